"""Ctrl-C during ``callboard sync run`` (spec §3 and §4, issue 9 item 8): the run stops after
the batches in flight are confirmed and journaled, exits 130 saying so; ``sync log`` shows it as
interrupted and the next run as its completion, with every contact tagged once."""

from __future__ import annotations

import json
import shutil

from tests.e2e.conftest import EXAMPLE, Workspace
from tests.workflows.interrupt_support import Watched, count_rows, tagged

IMPORTS = "POST /api/3/import/bulk_import"
JOURNALED = "SELECT count(*) FROM sync_batch_journal"


MEMBERS = """\
tags:
  members-active: {name: Member - Active}
data_syncs:
  members:
    list: Members - Current
    tag: members-active
    mode: add_and_remove
    filters: {contact_point_purposes: [Newsletter], primary_only: true}
    schedule: {daily: "02:00"}
"""


def _members_sync(workspace: Workspace) -> None:
    shutil.rmtree(workspace.root / "manifests")
    (workspace.root / "manifests").mkdir()
    shutil.copy(EXAMPLE / "callboard.yaml", workspace.root / "manifests")
    (workspace.root / "manifests" / "members.yaml").write_text(MEMBERS)
    applied = workspace.run("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stderr


def test_ctrl_c_mid_sync_run_then_the_next_run_completes_it(workspace: Workspace) -> None:
    _members_sync(workspace)
    served, db = workspace.served, workspace.root / ".callboard" / "state.db"
    imports_before = served.control("stats")["requests"].get(IMPORTS, 0)
    served.control("faults", {"latency_ms": 100})
    run = Watched(workspace, "sync", "run", "members", "--batch-size", "10")
    run.wait_until(lambda: count_rows(db, JOURNALED) >= 1)
    run.ctrl_c()
    stopped = run.finish()

    assert stopped.code == 130, stopped.err
    sent = count_rows(db, JOURNALED)
    assert "data_syncs.members: interrupted (" in stopped.out
    assert "; the next run finishes it" in stopped.out
    assert f"Interrupted: data_syncs.members: {sent} of " in stopped.err
    assert "batches sent and recorded. Run the same command again to finish." in stopped.err

    served.control("faults", {"latency_ms": 0})
    again = workspace.run("sync", "run", "members", "--batch-size", "10")
    assert again.returncode == 0, again.stderr
    assert "data_syncs.members: succeeded (finished an interrupted run)" in again.stdout

    log = workspace.run("sync", "log", "members")
    assert "data_syncs.members: interrupted (" in log.stdout
    runs = json.loads(workspace.run("sync", "log", "members", "--format", "json").stdout)["runs"]
    first, second = runs
    assert first["status"] == "interrupted" and second["status"] == "succeeded"
    assert second["resumed"] and second["completes"] == first["run_id"]
    # the stop waited for the batches in flight, so no batch was sent twice
    imports = served.control("stats")["requests"][IMPORTS] - imports_before
    assert 0 < sent < imports == -(-second["added"] // 10)
    members = tagged(served, "Member - Active")
    assert len(members) == len(set(members)) == second["added"] - len(second["rejected"])
