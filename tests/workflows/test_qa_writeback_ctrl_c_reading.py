"""Ctrl-C while ``writeback run`` is still finding a campaign's constituents (one Tessitura
lookup per recipient address, minutes for a large campaign): nothing has been written, so the
run stops at once (exit 130) without finishing the lookups, freezing the campaign or creating
its source, says so, and the same command then writes the campaign back once.

Found by hand: the first Ctrl-C printed "Stopping after the request in flight" and the run went
on looking up 1,900 addresses for eleven minutes, then created the campaign's source in
Tessitura (a write started after the stop) before it stopped."""

from __future__ import annotations

import sqlite3
import time

import httpx

from tests.e2e.conftest import Workspace
from tests.workflows.interrupt_support import Watched

LOOKUPS = "GET /TessituraService/CRM/ElectronicAddresses"
TESSITURA_AUTH = ("callboard:admin:emulator", "emulator")


def _lookups(workspace: Workspace) -> int:
    return int(workspace.served.control("stats")["requests"].get(LOOKUPS, 0))


def _sources_named(workspace: Workspace, name: str) -> list[dict[str, object]]:
    answer = httpx.get(f"{workspace.served.base}/TessituraService/Finance/Sources/Summary",
                       auth=TESSITURA_AUTH, timeout=10)
    answer.raise_for_status()
    return [row for row in answer.json() if row.get("Description") == name]


def test_ctrl_c_while_finding_recipients_stops_at_once_and_writes_nothing(
        workspace: Workspace) -> None:
    workspace.only_examples("callboard.yaml", "campaign_writebacks.yaml")
    applied = workspace.run("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stderr
    served, db = workspace.served, workspace.root / ".callboard" / "state.db"
    done = workspace.run("writeback", "run")  # the demo's own campaigns, out of the way
    assert done.returncode == 0, done.stderr
    campaign = served.control("campaigns/send", {"name": "SUBS Big", "recipients": 600})
    served.control("faults", {"latency_ms": 100})
    before = _lookups(workspace)

    run = Watched(workspace, "writeback", "run")
    run.wait_until(lambda: _lookups(workspace) >= before + 20)
    run.ctrl_c()
    started = time.monotonic()
    stopped = run.finish()
    looked_up = _lookups(workspace) - before

    assert stopped.code == 130, stopped.err
    assert time.monotonic() - started < 10  # at once, not after every lookup
    assert looked_up < 500  # the lookups were dropped, not run to the end
    assert (f"Interrupted: 0 of 1 campaigns written back; campaign {campaign['campaignId']}: "
            "nothing written, stopped while finding its recipients' constituents. Run the "
            "same command again to finish.") in stopped.err
    assert _sources_named(workspace, "SUBS Big") == []  # no write started after Ctrl-C
    with sqlite3.connect(db) as conn:
        frozen = conn.execute("SELECT count(*) FROM writeback_ledger WHERE campaign_id = ?",
                              (campaign["campaignId"],)).fetchone()[0]
    assert frozen == 0

    served.control("faults", {"latency_ms": 0})
    again = workspace.run("writeback", "run")
    assert again.returncode == 0, again.stderr
    assert f"campaign {campaign['campaignId']} 'SUBS Big': written back" in again.stdout
    assert ", 0 already present" in again.stdout
    assert len(_sources_named(workspace, "SUBS Big")) == 1
