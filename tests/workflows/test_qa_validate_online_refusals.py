"""`validate --online` refuses what `plan` would refuse (QA pass).

A pull request's check runs `validate --online` before anything is applied. It passed manifests
that `plan` then refused: a tag renamed onto the name of a live tag nothing manages (a key
collision), or a resource renamed without `moved`. Now validate makes the same check against
live and state and says exactly what plan says, at the same file:line, in every format, exiting
1; nothing is written, not even a state file where there was none."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Sandbox


def _tags(sandbox: Sandbox) -> list[tuple[str, str, str]]:
    rows = sandbox.api("GET", "/api/3/tags?limit=100").json()["tags"]
    return sorted((t["id"], t["tag"], t["description"]) for t in rows)


def _state(sandbox: Sandbox) -> str:
    listed = sandbox.run("state", "list")
    assert listed.code == 0, listed.err
    return listed.out


def test_a_key_collision_plan_refuses_fails_validate_online_at_the_same_line(
        sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    tags = sandbox.manifests / "tags.yaml"
    tags.write_text(tags.read_text().replace("name: Member - Active", "name: vip"))
    line = tags.read_text().splitlines().index("    name: vip") + 1
    vip, active = sandbox.tag_id("VIP"), sandbox.tag_id("Member - Active")
    before, state = _tags(sandbox), _state(sandbox)
    said = (f"would change tags object {active} from 'Member - Active' to 'vip', but tags "
            f"object {vip} already has it (no address manages it), and a second one would be "
            f"refused as a duplicate: choose another, or manage object {vip} under "
            f"tags.members-active instead ('callboard state rm tags.members-active', then "
            f"'callboard import tags.members-active {vip}'). Nothing was changed.")

    text = sandbox.run("validate", "--online")
    github = sandbox.run("validate", "--online", "--format", "github")
    as_json = sandbox.run("validate", "--online", "--format", "json")
    plan = sandbox.run("plan")

    assert text.code == 1, text.out
    assert text.err.strip() == (
        f"Error: manifests/tags.yaml:{line}: tags.members-active.name: {said}")
    assert text.err == plan.err and plan.code == 1  # plan's own words
    assert github.code == 1
    assert github.out.strip() == (f"::error file=manifests/tags.yaml,line={line},"
                                  f"title=callboard::tags.members-active.name: {said}")
    assert as_json.code == 1
    document = json.loads(as_json.out)
    assert document["valid"] is False and document["online"] is True
    assert document["errors"] == [{"file": "manifests/tags.yaml", "line": line,
                                   "field": "tags.members-active.name", "message": said}]
    assert _tags(sandbox) == before and _state(sandbox) == state  # nothing changed


def test_a_rename_without_moved_fails_validate_online_as_one_problem(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    tags = sandbox.manifests / "tags.yaml"
    tags.write_text(tags.read_text().replace("  feedback-requested:", "  feedback-asked:"))
    before, state = _tags(sandbox), _state(sandbox)

    text = sandbox.run("validate", "--online")
    github = sandbox.run("validate", "--online", "--format", "github")
    as_json = sandbox.run("validate", "--online", "--format", "json")
    plan = sandbox.run("plan")

    assert text.code == 1 and plan.code == 1, text.out
    assert text.err == plan.err
    assert text.err.startswith(
        "Error: plan refused: tags.feedback-asked would be created and "
        "tags.feedback-requested destroyed, but both are the tags object 'Feedback - "
        "Requested'.")
    assert "- {from: tags.feedback-requested, to: tags.feedback-asked}" in text.err
    # One annotation, its lines kept (%0A), not one annotation per line of the message.
    assert github.code == 1
    assert github.out.count("::error") == 1, github.out
    assert "%0A    - {from: tags.feedback-requested, to: tags.feedback-asked}%0A" in github.out
    # A finding inside validate's own document, not a failure to validate.
    assert as_json.code == 1
    document = json.loads(as_json.out)
    assert document["valid"] is False
    assert [e["message"] for e in document["errors"]] == [
        text.err.strip().removeprefix("Error: ")]
    assert _tags(sandbox) == before and _state(sandbox) == state

    # Said with `moved`, the rename validates and plans.
    (sandbox.manifests / "moved.yaml").write_text(
        "moved:\n  - {from: tags.feedback-requested, to: tags.feedback-asked}\n")
    assert sandbox.run("validate", "--online").code == 0
    assert sandbox.run("plan").code == 0


def test_validate_online_before_any_apply_creates_no_state(sandbox: Sandbox) -> None:
    checked = sandbox.run("validate", "--online")

    assert checked.code == 0, checked.err
    assert not Path(".callboard/sandbox/state.db").exists()
    assert not Path(".callboard/state.db").exists()
