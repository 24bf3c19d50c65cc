"""A real ``kill -9`` of ``callboard sync run`` mid-run, then a re-run that finishes it."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path

from engine.sync.plan_sender import IMPORTS_IN_FLIGHT
from tests.e2e.conftest import Workspace

IMPORTS = "POST /api/3/import/bulk_import"


def _journaled_batches(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM sync_batch_journal").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_killed_sync_run_finishes_when_run_again(workspace: Workspace) -> None:
    applied = workspace.run("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stderr
    served = workspace.served
    imports_before = served.control("stats")["requests"].get(IMPORTS, 0)
    served.control("faults", {"latency_ms": 100})
    process = workspace.popen("sync", "run", "members", "--batch-size", "10")
    db = workspace.root / ".callboard" / "state.db"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _journaled_batches(db) < 3:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)  # part-way: some batches journaled, some not
    process.wait()
    served.control("faults", {"latency_ms": 0})
    assert _journaled_batches(db) >= 3

    resumed = workspace.run("sync", "run", "members", "--batch-size", "10")
    assert resumed.returncode == 0, resumed.stderr
    assert "finished an interrupted run" in resumed.stdout
    log = json.loads(workspace.run("sync", "log", "members", "--format", "json").stdout)
    killed, run = log["runs"]  # the killed run as what it was, then its completion
    assert killed["status"] == "interrupted" and run["completes"] == killed["run_id"]
    assert run["status"] == "succeeded" and run["resumed"] and run["added"] > 30
    sent = served.control("stats")["requests"][IMPORTS] - imports_before
    # every batch once, but those in flight at the kill (sent, not yet journaled) twice
    assert sent <= -(-run["added"] // 10) + IMPORTS_IN_FLIGHT

    preview = json.loads(workspace.run("sync", "preview", "members", "--format",
                                       "json").stdout)
    assert preview["counts"]["add"] == preview["counts"]["remove"] == 0
    again = workspace.run("sync", "run", "members")
    assert again.returncode == 0 and "succeeded: 0 added" in again.stdout
