"""import and output (generate: tests/workflows/test_generate_then_adopt.py)."""

from __future__ import annotations

from tests.cli.conftest import Sandbox


def test_import_adopts_a_declared_resource(sandbox: Sandbox) -> None:
    vip = sandbox.tag_id("VIP")
    (sandbox.manifests / "vip.yaml").write_text(
        "tags:\n  very-important:\n    name: VIP\n    description: Board and major donors\n")
    result = sandbox.run("import", "tags.very-important", vip)
    assert result.code == 0, result.err
    assert sandbox.run("state", "list").out.strip() == f"tags.very-important\t{vip}"
    plan = sandbox.run("plan", "--target", "tags.very-important")
    assert "~ tags.very-important" in plan.out and "description" in plan.out
    twice = sandbox.run("import", "tags.very-important", vip)
    assert twice.code == 1 and "already in state" in twice.err
    undeclared = sandbox.run("import", "tags.nope", vip)
    assert undeclared.code == 1 and "not declared" in undeclared.err
    missing = sandbox.run("import", "tags.newsletter", "99999")
    assert missing.code == 1 and "no live tags object with id 99999" in missing.err


def test_output_prints_one_live_value(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    result = sandbox.run("output", "tags.members-active", "name")
    assert result.out == "Member - Active\n"
    bad = sandbox.run("output", "tags.members-active", "colour")
    assert bad.code == 1 and "fields: contact_point_purpose, description, name" in bad.err
