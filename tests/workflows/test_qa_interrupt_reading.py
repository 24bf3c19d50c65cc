"""Ctrl-C while Callboard only reads (planning, drift) stops at once with spec §3's exit 130
and says nothing was changed, as it does mid-apply; never click's bare "Aborted." and exit 1,
which a pipeline would take for a failed command."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Workspace
from tests.workflows.interrupt_support import Watched, count_rows, live_names


@pytest.mark.parametrize("command", [("apply", "--auto-approve"), ("plan",), ("drift",)])
def test_ctrl_c_while_reading_exits_130_and_changes_nothing(workspace: Workspace,
                                                            command: tuple[str, ...]) -> None:
    tags_before = sorted(live_names(workspace.served, "/tags", "tags", "tag"))
    workspace.served.control("faults", {"latency_ms": 300})
    reading = Watched(workspace, "-v", *command)
    reading.wait_until(lambda: "HTTP Request: GET" in "".join(reading.err))
    reading.ctrl_c()
    stopped = reading.finish()

    assert stopped.code == 130, stopped.err
    assert "Aborted" not in stopped.err
    assert stopped.err.rstrip().endswith("Interrupted: nothing was being written, so nothing "
                                         "changed.")
    workspace.served.control("faults", {"latency_ms": 0})
    assert sorted(live_names(workspace.served, "/tags", "tags", "tag")) == tags_before
    state = workspace.root / ".callboard" / "state.db"
    assert count_rows(state, "SELECT COUNT(*) FROM resources") == 0
    assert count_rows(state, "SELECT COUNT(*) FROM locks") == 0  # no lock left behind
