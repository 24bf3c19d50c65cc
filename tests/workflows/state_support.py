"""Helpers of the state and lock workflow tests: a second process that holds a lock, and looks
at what the services hold."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from engine.cli.output import Output
from tests.cli.conftest import Sandbox

#: Takes the state lock (argv[2] == "state", as ``argv[3]``) or a sync's lock (argv[2] its
#: address) as this process, says "locked", and lets go when told on stdin.
HOLD = """
import sys
from engine.cli.runtime import lock_holder
from engine.state import open_state
from engine.state.base import sync_lock
store, what = open_state(sys.argv[1]), sys.argv[2]
if what == "state":
    store.acquire_lock(lock_holder(), sys.argv[3])
else:
    store.acquire_lock(lock_holder(), "sync run", sync_lock(what))
print("locked", flush=True)
sys.stdin.readline()
if what == "state":
    store.release_lock(lock_holder())
else:
    store.release_lock(lock_holder(), sync_lock(what))
store.close()
"""


class Holder:
    """A live process holding a lock, on this host."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process

    @property
    def pid(self) -> int:
        return self.process.pid

    def release(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write("go\n")
            self.process.stdin.flush()
            self.process.wait(timeout=30)

    def release_after(self, seconds: float) -> threading.Timer:
        timer = threading.Timer(seconds, self.release)
        timer.start()
        return timer

    def release_once_waited_for(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Let go once the command under test says it waits for this lock ("waiting up
        to"), never before: on a busy machine a timer may fire before it got that far."""
        for name in ("line", "err"):
            shown = getattr(Output, name)

            def said(output: Output, message: str = "", *args: Any,
                     _shown: Callable[..., None] = shown, **kwargs: Any) -> None:
                _shown(output, message, *args, **kwargs)
                if "aiting up to" in message:
                    self.release_after(0.1)
            monkeypatch.setattr(Output, name, said)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


@contextmanager
def holding(state_url: str, what: str = "state", command: str = "apply") -> Iterator[Holder]:
    process = subprocess.Popen([sys.executable, "-c", HOLD, state_url, what, command],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    holder = Holder(process)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "locked"
        yield holder
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def live_tags(sandbox: Sandbox) -> set[str]:
    return {t["tag"] for t in sandbox.api("GET", "/api/3/tags?limit=100").json()["tags"]}


SANDBOX_STATE = ".callboard/sandbox/state.db"


@pytest.fixture(params=["sqlite", "postgresql"])
def team(request: pytest.FixtureRequest, sandbox: Sandbox) -> tuple[str, ...]:
    """The global options naming the state (the sandbox's SQLite file, or a PostgreSQL one);
    everything applied."""
    options = () if request.param == "sqlite" else ("--state", request.getfixturevalue("pg_url"))
    assert sandbox.run(*options, "apply", "--auto-approve").code == 0
    return options


def team_url(team: tuple[str, ...]) -> str:
    """The state ``team`` names."""
    return team[1] if team else SANDBOX_STATE
