"""A writeback mapping by campaign tag naming a tag that neither exists in Prospect2 nor is
declared under ``tags`` (a typo: ``Gala 2024 Atendee``) was accepted by validate --online, plan
and apply (QA pass); it could never match a campaign, and no run said so. Now each refuses it
before anything changes, at the line of ``campaign_tag``, naming the tag meant; a tag that
exists, or that the same apply creates (named by its NAME), is accepted."""

from __future__ import annotations

from tests.cli.conftest import Sandbox

GALA = """
  gala:
    match: {campaign_tag: %s}
    appeal: FY27 Annual Fund
    source_group: Email Marketing
"""


def _declare_gala(sandbox: Sandbox, tag: str) -> None:
    path = sandbox.manifests / "campaign_writebacks.yaml"
    text = path.read_text().split("\n  gala:\n")[0]
    path.write_text(text + GALA % tag)


def _live_matches(sandbox: Sandbox) -> dict[str, dict[str, str]]:
    answer = sandbox.api("GET", "/api/3/tessitura/writebackMappings").json()
    return {m["name"]: m["match"] for m in answer["writebackMappings"]}


def test_a_mistyped_campaign_tag_is_refused_before_anything_changes(sandbox: Sandbox) -> None:
    _declare_gala(sandbox, "Gala 2024 Atendee")
    assert sandbox.run("validate").code == 0  # offline: live tags are not read
    expected = (
        "Error: manifests/campaign_writebacks.yaml:16: campaign_writebacks.gala.match."
        "campaign_tag: no tag 'Gala 2024 Atendee' is declared under tags or exists in Prospect2"
        " (did you mean 'Gala 2024 Attendee'?); a mapping by campaign tag matches only "
        "campaigns carrying an existing tag")
    for command in (("validate", "--online"), ("plan",), ("apply", "--auto-approve")):
        result = sandbox.run(*command)
        assert result.code == 1, (command, result.out)
        assert result.err.strip() == expected, command
    assert sandbox.run("state", "list").out == ""
    assert _live_matches(sandbox) == {}

    _declare_gala(sandbox, "Gala 2024 Attendee")
    assert sandbox.run("apply", "--auto-approve").code == 0
    assert _live_matches(sandbox)["gala"] == {"campaignTag": "Gala 2024 Attendee"}
    assert "campaign_writebacks.gala" in sandbox.run("state", "list").out.split()


def test_a_tag_declared_in_the_same_apply_is_named_by_its_key(sandbox: Sandbox) -> None:
    tags = sandbox.manifests / "tags.yaml"
    tags.write_text(tags.read_text() + "\n  gala-2025:\n    name: Gala 2025 Guest\n")
    _declare_gala(sandbox, "gala-2025")
    plan = sandbox.run("plan")
    assert plan.code == 0, plan.err
    assert '+     match        = {"campaign_tag": "Gala 2025 Guest"}' in plan.out
    assert sandbox.run("apply", "--auto-approve").code == 0
    assert _live_matches(sandbox)["gala"] == {"campaignTag": "Gala 2025 Guest"}
    live_tags = sandbox.api("GET", "/api/3/tags?search=Gala 2025").json()["tags"]
    assert [t["tag"] for t in live_tags] == ["Gala 2025 Guest"]
    assert sandbox.run("plan", "--detailed-exitcode").code == 0
