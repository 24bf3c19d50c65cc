"""Ctrl-C during ``callboard writeback run`` (spec §3, seed 002, issue 9 item 8): the run stops
after the promotion batch in flight is confirmed and saved in the campaign's ledger, exits 130
saying so and leaves no lock behind; the same command finishes the campaign with each
promotion inserted once."""

from __future__ import annotations

import sqlite3

from tests.e2e.conftest import Workspace
from tests.workflows.interrupt_support import Watched, count_rows

STARTED = "SELECT max(batches_confirmed) FROM writeback_ledger WHERE status = 'started'"


def test_ctrl_c_mid_writeback_run_then_the_same_command_finishes(workspace: Workspace) -> None:
    # the demo's SUBS/SINGLES campaigns are sent
    workspace.only_examples("callboard.yaml", "campaign_writebacks.yaml")
    applied = workspace.run("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stderr
    served, db = workspace.served, workspace.root / ".callboard" / "state.db"
    served.control("faults", {"latency_ms": 50})
    run = Watched(workspace, "writeback", "run", "--batch-size", "4")
    run.wait_until(lambda: count_rows(db, STARTED) >= 2)
    run.ctrl_c()
    stopped = run.finish()

    assert stopped.code == 130, stopped.err
    with sqlite3.connect(db) as conn:
        (campaign, confirmed, size), = conn.execute(
            "SELECT campaign_id, batches_confirmed, json_array_length(constituent_ids) "
            "FROM writeback_ledger WHERE status = 'started'")
    assert size > 4 * confirmed  # stopped part-way through the campaign
    assert f"Interrupted: campaign {campaign}: {confirmed} of {-(-size // 4)} promotion " \
           "batches confirmed and recorded. Run the same command again to finish." in stopped.err

    served.control("faults", {"latency_ms": 0})
    again = workspace.run("writeback", "run", "--batch-size", "4")  # no lock left behind
    assert again.returncode == 0, again.stderr
    assert f"campaign {campaign} " in again.stdout and "resumed and written back" in again.stdout
    # every promotion once: no batch re-sent after the stop (0 already present), none left out
    assert f"{size} promotions inserted, 0 already present" in again.stdout
    assert "promotions inserted, 0 already present." in again.stdout
    assert count_rows(db, STARTED) == 0
