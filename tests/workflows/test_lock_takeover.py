"""A lock left by a process that no longer exists on this host is taken over with a notice,
on SQLite and PostgreSQL; ``state unlock`` says in one message why it needs ``--force``."""

from __future__ import annotations

import socket

import pytest

from engine.state import open_state
from tests.cli.conftest import Sandbox
from tests.workflows.state_support import holding

STATE = ".callboard/sandbox/state.db"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_apply_takes_over_the_lock_of_a_killed_run(
        sandbox: Sandbox, backend: str, request: pytest.FixtureRequest,
        caplog: pytest.LogCaptureFixture) -> None:
    """(The notice is a warning on stderr; in-process, the log capture holds it.)"""
    url = STATE if backend == "sqlite" else request.getfixturevalue("pg_url")
    team = () if backend == "sqlite" else ("--state", url)
    open_state(url).close()
    with holding(url, "state", "apply") as killed:
        killed.kill()  # kill -9: it could not let go of its lock
    applied = sandbox.run(*team, "apply", "--auto-approve")
    assert applied.code == 0, applied.err
    notice = caplog.text
    assert "taking over the lock held by" in notice
    assert f"pid {killed.pid} (command: apply)" in notice and "that run has ended" in notice
    assert sandbox.run(*team, "state", "unlock").out.strip() == "State was not locked."


def test_unlock_says_why_it_needs_force(sandbox: Sandbox) -> None:
    store = open_state(STATE)
    store.acquire_lock("alice@ci-runner-7 pid 42", "apply")  # a runner elsewhere
    store.close()
    elsewhere = sandbox.run("state", "unlock")
    assert elsewhere.code == 1
    assert elsewhere.err.count("\n") == 1 and "held by alice@ci-runner-7 pid 42" in elsewhere.err
    assert "cannot tell whether that run has ended (it was taken on another host " \
           "(ci-runner-7))" in elsewhere.err
    assert "two runs change state at once" in elsewhere.err and "--force" in elsewhere.err
    assert sandbox.run("state", "unlock", "--force").code == 0

    with holding(STATE, "state", "apply") as alive:
        running = sandbox.run("state", "unlock")
        assert running.code == 1
        assert f"process {alive.pid} is still running on this host" in running.err
        alive.kill()
    ended = sandbox.run("state", "unlock")
    assert ended.code == 1 and "that run has ended, so releasing it is safe" in ended.err
    assert "--force" in ended.err
    released = sandbox.run("state", "unlock", "--force")
    assert released.code == 0
    assert f"Released the lock held by {socket.gethostname()}" not in released.out  # user@host
    assert f"@{socket.gethostname()} pid {alive.pid} (command: apply)" in released.out
