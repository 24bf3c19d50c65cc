"""The CLI on PostgreSQL state, two applies racing on each backend, and ``state unlock``."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest

from engine.state import StateStore, open_state
from tests.cli.conftest import Sandbox
from tests.e2e.conftest import Workspace


def test_plan_apply_plan_on_postgresql_state(sandbox: Sandbox, pg_url: str) -> None:
    assert sandbox.run("--state", pg_url, "plan", "--detailed-exitcode").code == 2
    applied = sandbox.run("--state", pg_url, "apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert sandbox.run("--state", pg_url, "plan", "--detailed-exitcode").code == 0
    assert len(sandbox.run("--state", pg_url, "state", "list").out.splitlines()) == 20
    assert not (sandbox.root / ".callboard/sandbox/state.db").exists()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_applies_one_proceeds_the_other_names_it(
        workspace: Workspace, backend: str, request: pytest.FixtureRequest) -> None:
    url = (str(workspace.root / "team.db") if backend == "sqlite"
           else request.getfixturevalue("pg_url"))
    open_state(url).close()  # the state exists before the race, as a team's would
    workspace.served.control("faults", {"latency_ms": 30})
    runs = [workspace.popen("--state", url, "apply", "--auto-approve", "--target", "tags")
            for _ in range(2)]
    results = [(run.pid, *run.communicate(timeout=120), run.returncode) for run in runs]
    outcomes = sorted(code for *_, code in results)
    assert outcomes == [0, 1], results
    (winner, *_), (_, _, loser_err, _) = sorted(results, key=lambda r: r[3])
    assert f"pid {winner} (command: apply) since" in loser_err
    workspace.served.control("faults", {"latency_ms": 0})
    settled = workspace.run("--state", url, "plan", "--target", "tags", "--detailed-exitcode")
    assert settled.returncode == 0, settled.stdout


def test_first_opens_racing_on_a_fresh_database_migrate_once(pg_url: str) -> None:
    opened: list[StateStore] = []
    errors: list[Exception] = []

    def open_one() -> None:
        try:
            opened.append(open_state(pg_url))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({store.header().lineage for store in opened}) == 1
    for store in opened:
        store.close()


def _unlock(url: str, cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    from tests.e2e.conftest import CALLBOARD

    return subprocess.run([*CALLBOARD, "--state", url, "state", "unlock", *extra], cwd=cwd,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)


def test_unlock_asks_and_needs_force_without_a_terminal(state_url: str, tmp_path: Path) -> None:
    holder = open_state(state_url)
    holder.acquire_lock("alice@ci-runner pid 42", "apply")
    holder.close()  # the run died without releasing; PostgreSQL drops its advisory lock
    refused = _unlock(state_url, tmp_path)
    assert refused.returncode == 1
    assert "alice@ci-runner pid 42" in refused.stderr and "--force" in refused.stderr
    released = _unlock(state_url, tmp_path, "--force")
    assert released.returncode == 0, released.stderr
    assert "Released the lock held by alice@ci-runner pid 42" in released.stdout
    assert "not locked" in _unlock(state_url, tmp_path, "--force").stdout


def test_unlock_refuses_a_live_postgresql_holder(pg_url: str, tmp_path: Path) -> None:
    holder = open_state(pg_url)
    holder.acquire_lock("alice@ci-runner pid 42", "apply")
    try:
        refused = _unlock(pg_url, tmp_path, "--force")
        assert refused.returncode == 1
        assert "alice@ci-runner pid 42" in refused.stderr and "still connected" in refused.stderr
        assert holder.lock_info() is not None
    finally:
        holder.close()
