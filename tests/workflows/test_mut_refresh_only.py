"""``plan --refresh-only``: state learns what people did in the UI, and nothing live changes.

A person edits one tag and deletes another by hand. The refresh-only plan shows both, each with
its reason; applying it records the edit and forgets the deleted tag, and creates or overwrites
nothing. (The mutation run of issue 12 found this path unguarded: a refresh plan that stopped at
the first deleted object, or dropped its notes, went unnoticed.)
"""

from __future__ import annotations

import json

from tests.cli.conftest import Sandbox

LAPSED = "Gave in the last three seasons but not this one"


def _edit_and_delete_by_hand(sandbox: Sandbox) -> tuple[str, str]:
    assert sandbox.run("apply", "--auto-approve").code == 0
    edited, deleted = sandbox.tag_id("Donor - Lapsed"), sandbox.tag_id("Feedback - Requested")
    sandbox.api("PUT", f"/api/3/tags/{edited}", {"tag": {
        "tag": "Donor - Lapsed", "tagType": "contact", "description": "edited by hand"}})
    assert sandbox.api("DELETE", f"/api/3/tags/{deleted}").status_code == 200
    return edited, deleted


def test_refresh_only_shows_each_hand_change_with_its_reason(sandbox: Sandbox) -> None:
    edited, deleted = _edit_and_delete_by_hand(sandbox)
    result = sandbox.run("plan", "--refresh-only", "--format", "json")
    assert result.code == 0, result.err
    plan = json.loads(result.out)
    assert plan["refresh_only"] is True
    changes = {c["address"]: c for c in plan["changes"]}
    assert sorted(changes) == ["tags.feedback-requested", "tags.lapsed-donors"]

    edit = changes["tags.lapsed-donors"]
    assert (edit["action"], edit["kind"], edit["name"], edit["remote_id"]) == (
        "update", "tags", "lapsed-donors", edited)
    assert edit["before"]["description"] == LAPSED
    assert edit["after"]["description"] == "edited by hand"
    assert edit["diffs"] == [{"field": "description", "before": LAPSED,
                              "after": "edited by hand"}]
    assert edit["notes"] == ["changed outside Callboard; record the live value"]

    gone = changes["tags.feedback-requested"]
    assert (gone["action"], gone["kind"], gone["name"], gone["remote_id"]) == (
        "delete", "tags", "feedback-requested", deleted)
    assert gone["before"]["name"] == "Feedback - Requested"
    assert gone["notes"] == ["deleted outside Callboard; forget it in state"]
    assert plan["summary"]["update"] == 1 and plan["summary"]["delete"] == 1

    text = sandbox.run("plan", "--refresh-only").out
    assert "changed outside Callboard; record the live value" in text
    assert "deleted outside Callboard; forget it in state" in text


def test_applying_a_refresh_only_plan_changes_state_and_nothing_live(sandbox: Sandbox) -> None:
    edited, deleted = _edit_and_delete_by_hand(sandbox)
    assert sandbox.run("plan", "--refresh-only", "--out", "refresh.cbplan").code == 0
    applied = sandbox.run("apply", "refresh.cbplan")
    assert applied.code == 0, applied.err
    assert "tags.lapsed-donors: state updated from live" in applied.out
    assert "tags.feedback-requested: forgotten in state" in applied.out

    listed = sandbox.run("state", "list").out
    assert "tags.feedback-requested" not in listed and "tags.lapsed-donors" in listed
    shown = json.loads(sandbox.run("state", "show", "tags.lapsed-donors").out)
    assert shown["remote_id"] == edited and shown["fields"]["description"] == "edited by hand"
    tags = sandbox.api("GET", "/api/3/tags?limit=100").json()["tags"]
    assert "Feedback - Requested" not in {t["tag"] for t in tags}  # not created again
    assert [t["description"] for t in tags if t["id"] == edited] == ["edited by hand"]
    assert sandbox.run("drift").code == 0


def test_a_refreshed_object_deleted_before_the_apply_is_forgotten(sandbox: Sandbox) -> None:
    """The saved refresh plan would record the hand edit, but the tag was deleted after it was
    made: apply forgets the tag instead of recording a tag that is gone."""
    edited, _ = _edit_and_delete_by_hand(sandbox)
    assert sandbox.run("plan", "--refresh-only", "--out", "refresh.cbplan").code == 0
    assert sandbox.api("DELETE", f"/api/3/tags/{edited}").status_code == 200
    applied = sandbox.run("apply", "refresh.cbplan")
    assert applied.code == 0, applied.err
    assert "tags.lapsed-donors: forgotten in state" in applied.out
    assert "tags.lapsed-donors" not in sandbox.run("state", "list").out
