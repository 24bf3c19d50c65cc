"""Renaming a resource's NAME: declared with ``moved:``, or refused before anything changes.

A user renames ``tags.cancellation-notice`` to ``tags.cancellation-sent`` in tags.yaml. With a
``moved`` entry the plan shows the move and apply moves the state entry, keeping the live tag
(same id, no new tag). Without one, plan and apply refuse, print the entry to add, and change
nothing in Prospect2 or in state.
"""

from __future__ import annotations

import json

from tests.cli.conftest import Sandbox
from tests.cli.test_plan_snapshots import _stable_json

OLD, NEW = "tags.cancellation-notice", "tags.cancellation-sent"
ENTRY = "- {from: tags.cancellation-notice, to: tags.cancellation-sent}"


def _rename(sandbox: Sandbox, description: str | None = None) -> None:
    tags = sandbox.manifests / "tags.yaml"
    text = tags.read_text().replace("  cancellation-notice:\n", "  cancellation-sent:\n")
    if description is not None:
        text = text.replace("Received a performance cancellation notice", description)
    tags.write_text(text)


def _declare_move(sandbox: Sandbox) -> None:
    (sandbox.manifests / "moves.yaml").write_text(f"moved:\n  {ENTRY}\n")


def _state(sandbox: Sandbox) -> dict[str, str]:
    return dict(line.split("\t") for line in sandbox.run("state", "list").out.splitlines())


def _live_tags(sandbox: Sandbox) -> list[tuple[str, str, str]]:
    tags = sandbox.api("GET", "/api/3/tags?limit=100").json()["tags"]
    return sorted((t["id"], t["tag"], t["description"]) for t in tags)


def test_a_declared_rename_moves_state_and_keeps_the_live_tag(sandbox: Sandbox,
                                                              snapshot) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    tag_id, live_before = _state(sandbox)[OLD], _live_tags(sandbox)
    _rename(sandbox)
    _declare_move(sandbox)

    plan = sandbox.run("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.err
    assert f"=> {OLD} -> {NEW} (moved)  (id {tag_id})" in plan.out
    assert "Plan: 0 to add, 0 to change, 0 to replace, 0 to destroy, 0 to adopt, 1 to move." \
        in plan.out
    markdown = sandbox.run("plan", "--format", "markdown")
    data = json.loads(sandbox.run("plan", "--format", "json").out)
    [change] = data["changes"]
    assert (change["action"], change["address"], change["moved_from"]) == ("move", NEW, OLD)
    assert data["estimates"]["prospect2"]["calls"] == 0
    assert (plan.out, markdown.out, _stable_json(json.dumps(data))) == snapshot

    applied = sandbox.run("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert f"{NEW}: moved from {OLD} in state (no API call)" in applied.out
    state = _state(sandbox)
    assert state[NEW] == tag_id and OLD not in state
    assert _live_tags(sandbox) == live_before
    assert sandbox.run("plan", "--detailed-exitcode").code == 0  # the entry stays harmless
    assert sandbox.run("drift").code == 0


def test_a_rename_with_a_field_change_updates_the_same_tag(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    tag_id = _state(sandbox)[OLD]
    _rename(sandbox, description="Told a performance was cancelled")
    _declare_move(sandbox)
    data = json.loads(sandbox.run("plan", "--format", "json").out)
    [change] = data["changes"]
    assert (change["action"], change["moved_from"], change["remote_id"]) == (
        "update", OLD, tag_id)
    text = sandbox.run("plan").out
    assert f"# {NEW} will be updated in place (moved from {OLD})" in text
    assert sandbox.run("apply", "--auto-approve").code == 0
    assert _state(sandbox)[NEW] == tag_id
    live = {t[0]: t[2] for t in _live_tags(sandbox)}
    assert live[tag_id] == "Told a performance was cancelled"
    assert sandbox.run("plan", "--detailed-exitcode").code == 0


def test_a_rename_without_moved_is_refused_before_anything_changes(sandbox: Sandbox,
                                                                   snapshot) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    # Another change in the same plan, ordered before the rename's create and delete.
    fields = sandbox.manifests / "custom_fields.yaml"
    fields.write_text(fields.read_text() + "  extra-note: {title: Extra Note, type: text}\n")
    state_before, live_before = _state(sandbox), _live_tags(sandbox)
    _rename(sandbox)

    for command in (("plan",), ("apply", "--auto-approve")):
        refused = sandbox.run(*command)
        assert refused.code == 1, refused.out
        assert (f"{NEW} would be created and {OLD} destroyed, but both are the tags object "
                "'Notified - Cancellation'") in refused.err
        assert f"moved:\n    {ENTRY}" in refused.err
        assert "Nothing was changed" in refused.err
        assert refused.err == snapshot  # the whole refusal, as the user reads it
    assert _state(sandbox) == state_before
    assert _live_tags(sandbox) == live_before
    assert "extra-note" not in sandbox.run("state", "list").out

    _declare_move(sandbox)  # doing what the message says works
    assert sandbox.run("apply", "--auto-approve").code == 0
    assert _state(sandbox)[NEW] == state_before[OLD]


def test_a_targeted_rename_without_moved_is_refused_too(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    _rename(sandbox)
    for target in (NEW, OLD):  # either half of the rename
        refused = sandbox.run("plan", "--target", target)
        assert refused.code == 1 and ENTRY in refused.err
    # a target the rename is no part of plans without it
    other = sandbox.run("plan", "--target", "tags.newsletter", "--detailed-exitcode")
    assert other.code == 0, other.err


def test_a_rename_by_state_mv_needs_no_entry(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    _rename(sandbox)
    assert sandbox.run("state", "mv", OLD, NEW).code == 0
    assert sandbox.run("plan", "--detailed-exitcode").code == 0


def test_moved_entries_are_checked_with_file_and_line(sandbox: Sandbox, snapshot) -> None:
    _rename(sandbox)
    (sandbox.manifests / "moves.yaml").write_text(
        "moved:\n"
        "  - {from: tags.cancellation-notice, to: tags.cancellation-sent}\n"   # 2: fine
        "  - {from: tag.old, to: tag.new}\n"                                   # 3: unknown kind
        "  - {from: tags.gone, to: tags.nowhere}\n"                            # 4: history
        "  - {from: tags.newsletter, to: tags.members-active}\n"               # 5: still there
        "  - {from: tags.same, to: tags.same}\n"                               # 6: itself
        "  - {from: custom_fields.x, to: tags.feedback-requested}\n"           # 7: kind change
        "  - {from: tags.vip}\n")                                              # 8: no to
    result = sandbox.run("validate")
    assert result.code == 1
    lines = result.err.removeprefix("Error: ").strip().splitlines()
    assert [line.split(": ")[0] for line in lines if line.startswith("manifests/")] == [
        f"manifests/moves.yaml:{n}" for n in (8, 3, 5, 6, 7)]
    assert "tags.nowhere" not in result.err  # neither address is declared: history, see below
    assert result.err == snapshot


def test_an_applied_entry_stays_as_history_when_its_resource_is_deleted(
        sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    _rename(sandbox)
    _declare_move(sandbox)
    assert sandbox.run("apply", "--auto-approve").code == 0
    tag_id = _state(sandbox)[NEW]
    tags = sandbox.manifests / "tags.yaml"  # the renamed tag is no longer wanted
    text = tags.read_text()
    tags.write_text(text[:text.index("  cancellation-sent:")] +
                    text[text.index("  feedback-requested:"):])

    assert sandbox.run("validate").code == 0
    plan = sandbox.run("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.err
    assert f"- {NEW}  (id {tag_id})" in plan.out, plan.out
    assert "1 to destroy" in plan.out and "moved" not in plan.out
    assert sandbox.run("apply", "--auto-approve").code == 0
    assert NEW not in _state(sandbox)
    assert tag_id not in {t[0] for t in _live_tags(sandbox)}
    assert sandbox.run("plan", "--detailed-exitcode").code == 0


def test_a_move_to_an_undeclared_address_is_refused_while_its_from_is_in_state(
        sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    state_before, live_before = _state(sandbox), _live_tags(sandbox)
    _rename(sandbox)
    (sandbox.manifests / "moves.yaml").write_text(
        "moved:\n  - {from: tags.cancellation-notice, to: tags.cancellation-snt}\n")

    for command in (("plan",), ("apply", "--auto-approve")):
        refused = sandbox.run(*command)
        assert refused.code == 1, refused.out
        assert refused.err.strip() == (
            "Error: manifests/moves.yaml:2: moved: moves tags.cancellation-notice to "
            "tags.cancellation-snt, which no manifest declares (did you mean "
            "'tags.cancellation-sent'?): declare tags.cancellation-snt (the renamed "
            "resource), or remove the entry to delete tags.cancellation-notice")
    assert _state(sandbox) == state_before
    assert _live_tags(sandbox) == live_before


def test_chains_and_cycles_are_refused(sandbox: Sandbox) -> None:
    _rename(sandbox)
    moves = sandbox.manifests / "moves.yaml"
    moves.write_text("moved:\n"
                     "  - {from: tags.cancellation-old, to: tags.cancellation-notice}\n"
                     "  - {from: tags.cancellation-notice, to: tags.cancellation-sent}\n")
    chain = sandbox.run("validate")
    assert chain.code == 1
    assert ("manifests/moves.yaml:2: moved: tags.cancellation-old -> tags.cancellation-notice "
            "-> tags.cancellation-sent is a chain") in chain.err
    assert "{from: tags.cancellation-old, to: tags.cancellation-sent}" in chain.err
    moves.write_text("moved:\n  - {from: tags.a, to: tags.b}\n  - {from: tags.b, to: tags.a}\n")
    cycle = sandbox.run("validate")
    assert cycle.code == 1 and "tags.a -> tags.b -> tags.a is a cycle" in cycle.err


def test_a_move_onto_an_address_state_already_has_is_refused(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    tags = sandbox.manifests / "tags.yaml"
    text = tags.read_text()
    tags.write_text(text[:text.index("  feedback-requested:")])
    (sandbox.manifests / "moves.yaml").write_text(
        "moved:\n  - {from: tags.feedback-requested, to: tags.cancellation-notice}\n")
    refused = sandbox.run("plan")
    assert refused.code == 1
    assert ("manifests/moves.yaml:2: moved: cannot move tags.feedback-requested to "
            "tags.cancellation-notice: state manages both") in refused.err
    assert refused.err.rstrip().endswith(
        "Remove the entry, or forget one with 'callboard state rm'")
