"""Ctrl-C during ``callboard apply`` (spec §3, issue 9 item 8): the run stops after what is in
flight, says what finished and how to finish, exits 130; the same command finishes the job and
nothing is created twice."""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest

from tests.e2e.conftest import Workspace
from tests.workflows.interrupt_support import Watched, live_names

DONE = (": created (", ": adopted (", ": updated (")


def _finished_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if any(d in line for d in DONE)]


def _state_addresses(workspace: Workspace) -> list[str]:
    with sqlite3.connect(workspace.root / ".callboard" / "state.db") as db:
        return [row[0] for row in db.execute("SELECT address FROM resources")]


def _assert_nothing_doubled(workspace: Workspace) -> None:
    served = workspace.served
    for path, key, field in (("/tags", "tags", "tag"), ("/fields", "fields", "title"),
                             ("/tessitura/dataSyncs", "dataSyncs", "name")):
        doubled = [n for n, c in Counter(live_names(served, path, key, field)).items() if c > 1]
        assert doubled == [], (path, doubled)


@pytest.mark.parametrize("presses", [1, 2], ids=["ctrl-c", "ctrl-c-twice"])
def test_ctrl_c_mid_apply_then_the_same_command_finishes(workspace: Workspace,
                                                         presses: int) -> None:
    # tags, custom fields and the syncs that use them (contact data): 12 changes
    workspace.only_examples("callboard.yaml", "tags.yaml", "custom_fields.yaml", "data_syncs.yaml")
    workspace.served.control("faults", {"latency_ms": 100})
    apply = Watched(workspace, "apply", "--auto-approve")
    # the first tag done, three more of its group in flight (four at a time)
    apply.wait_until(lambda: any(line.startswith("tags.")
                                 for line in _finished_lines("".join(apply.out))))
    apply.ctrl_c(presses)
    stopped = apply.finish()

    assert stopped.code == 130, stopped.err
    notice = "Stopping at once" if presses == 2 else "Stopping after the request in flight"
    assert notice in stopped.err
    assert "Run the same command again to finish." in stopped.err
    assert "Apply complete" not in stopped.out
    finished = [line.split(":")[0] for line in _finished_lines(stopped.out)]
    recorded = _state_addresses(workspace)
    assert set(finished) <= set(recorded)  # what it said finished is in state
    if presses == 1:
        assert f"Interrupted: {len(finished)} of " in stopped.err
        assert "changes applied and recorded in state" in stopped.err
        assert sorted(finished) == sorted(recorded)  # ... and nothing else half-way
    assert recorded

    workspace.served.control("faults", {"latency_ms": 0})
    again = workspace.run("apply", "--auto-approve")
    assert again.returncode == 0, again.stderr
    assert "Apply complete" in again.stdout
    assert workspace.run("plan", "--detailed-exitcode").returncode == 0  # nothing left to do
    _assert_nothing_doubled(workspace)
    assert len(_state_addresses(workspace)) > len(recorded)
