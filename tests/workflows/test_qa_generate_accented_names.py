"""`generate` named a live tag "Noël Gala" `no-l-gala` and "Ópera" `pera`: the accented letters
were dropped, not their accents, so the NAMEs a user keeps in git read wrong. The accent goes,
the letter stays; the generated files still adopt (`<=`) and apply leaves nothing to do."""

from __future__ import annotations

from tests.cli.conftest import Sandbox


def test_accented_live_names_give_readable_manifest_names(sandbox: Sandbox) -> None:
    for name in ("Noël Gala", "Ópera Lovers", "Café Society"):
        made = sandbox.api("POST", "/api/3/tags", {"tag": {"tag": name, "tagType": "contact",
                                                           "description": "by hand"}})
        assert made.status_code == 201, made.text

    result = sandbox.run("generate", "--kind", "tags")
    assert result.code == 0, result.err
    text = (sandbox.manifests / "generated_tags.yaml").read_text()
    assert "  noel-gala:\n    name: Noël Gala\n" in text
    assert "  opera-lovers:\n    name: Ópera Lovers\n" in text
    assert "  cafe-society:\n    name: Café Society\n" in text

    plan = sandbox.run("plan")
    assert plan.code == 0, plan.err
    for address in ("tags.noel-gala", "tags.opera-lovers", "tags.cafe-society"):
        assert f"<= {address}" in plan.out
    assert sandbox.run("apply", "--auto-approve").code == 0
    assert sandbox.run("plan", "--detailed-exitcode").code == 0
    state = sandbox.run("state", "list").out
    assert "tags.noel-gala\t" in state and "tags.cafe-society\t" in state
