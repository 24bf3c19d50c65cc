"""plan → apply → plan-empty → drift, through the CLI in the sandbox (real HTTP over ASGI)."""

from __future__ import annotations

import json

from tests.cli.conftest import Sandbox


def test_walking_skeleton_loop(sandbox: Sandbox) -> None:
    assert sandbox.run("validate").code == 0
    first = sandbox.run("plan", "--detailed-exitcode")
    assert first.code == 2
    assert "+ tags.members-active" in first.out and "+ data_syncs.members" in first.out
    summary = json.loads(sandbox.run("plan", "--format", "json").out)["summary"]
    assert summary == {"create": 16, "update": 2, "replace": 0, "delete": 0, "adopt": 2,
                       "move": 0}
    assert "Plan: 16 to add, 2 to change, 0 to replace, 0 to destroy, 2 to adopt." in first.out

    saved = sandbox.run("plan", "--out", "plan.cbplan", "--format", "markdown")
    assert saved.code == 0 and saved.out.startswith("<!-- callboard-plan -->")
    applied = sandbox.run("apply", "plan.cbplan")
    assert applied.code == 0, applied.err
    assert "Apply complete: 20 changed." in applied.out

    again = sandbox.run("plan", "--detailed-exitcode")
    assert again.code == 0 and "No changes." in again.out
    assert sandbox.run("drift").code == 0

    tag = sandbox.tag_id("Member - Active")
    sandbox.api("PUT", f"/api/3/tags/{tag}",
                {"tag": {"tag": "Member - Active", "tagType": "contact", "description": "hand"}})
    drift = sandbox.run("drift", "--format", "json")
    assert drift.code == 2
    report = json.loads(drift.out)
    [changed] = [i for i in report["items"] if i["type"] == "changed"]
    assert changed["address"] == "tags.members-active"
    assert changed["diffs"][0]["after"] == "hand"

    fix = sandbox.run("plan", "--detailed-exitcode", "--format", "json")
    assert fix.code == 2
    [change] = json.loads(fix.out)["changes"]
    assert (change["action"], change["address"]) == ("update", "tags.members-active")


def test_saved_plan_refused_when_a_planned_object_changed(sandbox: Sandbox) -> None:
    assert sandbox.run("plan", "--out", "plan.cbplan").code == 0
    tag = sandbox.tag_id("Newsletter")  # the plan adopts it
    sandbox.api("PUT", f"/api/3/tags/{tag}",
                {"tag": {"tag": "Newsletter", "tagType": "contact", "description": "changed"}})
    result = sandbox.run("apply", "plan.cbplan")
    assert result.code == 3
    assert "tags.newsletter" in result.err and "field description" in result.err
    assert sandbox.run("state", "list").out == ""  # nothing was applied


def test_saved_plan_refused_after_state_moved_on(sandbox: Sandbox) -> None:
    assert sandbox.run("plan", "--out", "old.cbplan").code == 0
    assert sandbox.run("apply", "--auto-approve").code == 0
    result = sandbox.run("apply", "old.cbplan")
    assert result.code == 3
    assert "plan is stale" in result.err and "serial" in result.err


def test_target_limits_the_plan(sandbox: Sandbox) -> None:
    result = sandbox.run("plan", "--target", "tags.members-active", "--format", "json")
    changes = json.loads(result.out)["changes"]
    assert [c["address"] for c in changes] == ["tags.members-active"]
    assert sandbox.run("apply", "--auto-approve", "--target", "tags.members-active").code == 0
    assert sandbox.run("state", "list").out.split("\t")[0] == "tags.members-active"
    bad = sandbox.run("plan", "--target", "tags.nope")
    assert bad.code == 1 and "no such resource" in bad.err


def test_apply_without_plan_needs_approval_when_not_interactive(sandbox: Sandbox) -> None:
    result = sandbox.run("apply")
    assert result.code == 1 and "--auto-approve" in result.err
    assert sandbox.run("state", "list").out == ""


def test_refresh_only_records_live_values(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    tag = sandbox.tag_id("Donor - Lapsed")
    sandbox.api("PUT", f"/api/3/tags/{tag}",
                {"tag": {"tag": "Donor - Lapsed", "tagType": "contact", "description": "x"}})
    plan = sandbox.run("plan", "--refresh-only", "--out", "r.cbplan", "--detailed-exitcode")
    assert plan.code == 2 and "Refresh only" in plan.out
    assert sandbox.run("apply", "r.cbplan").code == 0
    assert sandbox.run("drift").code == 0  # state now records the live value
    assert sandbox.run("plan", "--detailed-exitcode").code == 2  # manifests still differ
