"""Ctrl-C between a custom field's replace and the re-write of the Data Sync that follows it:
the same command finishes both (it was refused as stale: the sync no longer matched the plan,
as the replace it follows had been made). A process of its own, Ctrl-C'd: apart from the
in-process tests of test_qa_replaced_field_followers.py, so mutation runs can leave it out."""

from __future__ import annotations

from tests.e2e.conftest import Workspace
from tests.workflows.interrupt_support import Watched
from tests.workflows.test_qa_replaced_field_followers import carried_field_ids, to_datetime


def test_ctrl_c_between_the_replace_and_the_sync_is_finished_by_the_same_command(
        workspace: Workspace) -> None:
    workspace.only_examples("callboard.yaml", "tags.yaml", "custom_fields.yaml", "data_syncs.yaml")
    assert workspace.run("apply", "--auto-approve").returncode == 0
    to_datetime(workspace.root / "manifests")
    assert workspace.run("plan", "--out", "next.cbplan").returncode == 0

    workspace.served.control("faults", {"latency_ms": 1000})  # the re-write takes 2 s+
    sync_writes = _sync_writes(workspace)
    apply = Watched(workspace, "apply", "next.cbplan")
    apply.wait_until(lambda: "custom_fields.last-attended: replaced" in "".join(apply.out)
                     and _sync_writes(workspace) > sync_writes)  # the emulator counts on arrival
    apply.ctrl_c(2)  # the sync's re-write, begun already, is cancelled mid-request
    stopped = apply.finish()
    assert stopped.code == 130, stopped.err
    assert "Stopping at once" in stopped.err
    assert "Run the same command again to finish." in stopped.err
    assert "data_syncs.members: updated" not in stopped.out

    workspace.served.control("faults", {"latency_ms": 0})
    again = workspace.run("apply", "next.cbplan")
    assert again.returncode == 0, again.stderr
    assert "data_syncs.members: updated" in again.stdout
    assert "Apply complete: 1 changed, 1 already done." in again.stdout
    served = workspace.served
    field_id, carried = carried_field_ids(
        served.prospect2("GET", "/fields", params={"limit": 100}).json()["fields"],
        served.prospect2("GET", "/tessitura/dataSyncs").json()["dataSyncs"])
    assert field_id in carried
    assert workspace.run("plan", "--detailed-exitcode").returncode == 0


def _sync_writes(workspace: Workspace) -> int:
    """Data Sync writes the emulator has received (counted before its latency)."""
    requests = workspace.served.control("stats")["requests"]
    return sum(n for key, n in requests.items() if key.startswith("PUT ") and "dataSyncs" in key)
