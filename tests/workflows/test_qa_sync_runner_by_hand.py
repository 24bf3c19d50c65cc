"""A Data Sync handed to Prospect2's own scheduler in Prospect2 (``runBy: prospect2`` set by
hand; QA pass): ``sync run`` told the user to "set runner: callboard in the manifest", which
already said so. Now it says live says prospect2, set outside Callboard, and that
``callboard apply`` sets it back; ``--all`` and ``preview`` say the same; after apply the
sync runs here again."""

from __future__ import annotations

import json

from tests.cli.conftest import Sandbox

REFUSED = ("Error: data_syncs.members: runner: prospect2 in Prospect2, set there outside "
           "Callboard (which last applied runner: callboard), so Prospect2 runs it on its own "
           "schedule and 'callboard sync run' does not (two engines would tag from two "
           "baselines); run 'callboard apply' to set it back to callboard and run it here, or "
           "see Prospect2's runs with 'callboard sync log'")


def _members(sandbox: Sandbox) -> dict:
    syncs = sandbox.api("GET", "/api/3/tessitura/dataSyncs").json()["dataSyncs"]
    return next(s for s in syncs if s["name"] == "members")


def _tagged(sandbox: Sandbox) -> int:
    tag_id = sandbox.tag_id("Member - Active")
    return sandbox.api("GET", f"/api/3/contacts?tagid={tag_id}&limit=1").json()["meta"]["total"]


def test_a_sync_handed_to_prospect2_by_hand_says_so_and_apply_sets_it_back(
        sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    sync = _members(sandbox)
    assert sync["runBy"] == "external"  # Callboard runs it
    changed = sandbox.api("PUT", f"/api/3/tessitura/dataSyncs/{sync['id']}",
                          {"dataSync": {"runBy": "prospect2"}})
    assert changed.status_code == 200
    tagged = _tagged(sandbox)

    refused = sandbox.run("sync", "run", "members")
    assert refused.code == 1, refused.out
    assert refused.err.strip() == REFUSED
    assert "in the manifest" not in refused.err
    assert json.loads(sandbox.run("sync", "log", "--format", "json").out)["runs"] == []
    assert _tagged(sandbox) == tagged and _members(sandbox)["runBy"] == "prospect2"
    every = sandbox.run("sync", "run", "--all")
    assert ("data_syncs.members: runner: prospect2 (Prospect2 runs it), set in Prospect2 "
            "outside Callboard: 'callboard apply' sets it back to callboard; skipped"
            ) in every.out
    preview = sandbox.run("sync", "preview", "members", "--no-regenerate")
    assert preview.code == 0
    assert ("  runner: prospect2 was set in Prospect2 outside Callboard (which last applied "
            "runner: callboard): 'callboard apply' sets it back\n") in preview.out

    plan = sandbox.run("plan")
    assert 'runner = "prospect2" -> "callboard"' in plan.out  # what the message promises
    assert sandbox.run("apply", "--auto-approve").code == 0
    assert _members(sandbox)["runBy"] == "external"
    again = sandbox.run("sync", "run", "members")
    assert again.code == 0, again.err
    assert "data_syncs.members: succeeded:" in again.out
