"""Replacing a custom field (its type changed) gave it a new id, but the Data Sync whose contact
data fills it kept the deleted field's id: the plan showed only the replace, apply said
complete, runs carried the value nowhere, and only the next plan showed the sync to fix. The
plan now re-writes the sync after the replace (`~`, with a note), apply leaves nothing to do,
and Ctrl-C between the two is finished by the same command
(test_qa_replaced_field_interrupt.py)."""

from __future__ import annotations

import json

from tests.cli.conftest import Sandbox

NOTE = "note: re-written after custom_fields.last-attended is replaced, to hold the new id"


def to_datetime(manifests_dir) -> None:  # noqa: ANN001 - a Path
    path = manifests_dir / "custom_fields.yaml"
    text = path.read_text()
    assert "    title: Last Attended\n    type: date\n" in text
    path.write_text(text.replace("    title: Last Attended\n    type: date\n",
                                 "    title: Last Attended\n    type: datetime\n"))


def carried_field_ids(fields: list[dict], syncs: list[dict]) -> tuple[str, list[str]]:
    """The live field 'Last Attended''s id, and the field ids the members sync carries."""
    field_id = next(f["id"] for f in fields if f["title"] == "Last Attended")
    members = next(s for s in syncs if s["name"] == "members")
    return field_id, sorted(f["fieldId"] for f in members["fields"])


def test_a_sync_follows_the_custom_field_the_plan_replaces(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    to_datetime(sandbox.manifests)

    plan = sandbox.run("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.err
    assert "-/+ custom_fields.last-attended" in plan.out
    assert f"  ~ data_syncs.members  (id 2)\n        {NOTE}\n" in plan.out
    assert "Plan: 0 to add, 1 to change, 1 to replace, 0 to destroy, 0 to adopt." in plan.out
    changes = json.loads(sandbox.run("plan", "--format", "json").out)["changes"]
    assert [(c["address"], c["action"], c["follows"]) for c in changes] == [
        ("custom_fields.last-attended", "replace", []),
        ("data_syncs.members", "update", ["custom_fields.last-attended"])]

    targeted = json.loads(sandbox.run("plan", "--target", "custom_fields.last-attended",
                                      "--format", "json").out)["changes"]
    assert [c["address"] for c in targeted] == [c["address"] for c in changes]

    applied = sandbox.run("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert "data_syncs.members: updated (id 2)" in applied.out
    fields = sandbox.api("GET", "/api/3/fields?limit=100").json()["fields"]
    syncs = sandbox.api("GET", "/api/3/tessitura/dataSyncs").json()["dataSyncs"]
    field_id, carried = carried_field_ids(fields, syncs)
    assert field_id in carried
    assert sandbox.run("plan", "--detailed-exitcode").code == 0
