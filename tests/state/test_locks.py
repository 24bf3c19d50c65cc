"""Locks on both backends: a second writer is told who holds the lock; a dead holder's lock
is taken over with a notice (PostgreSQL: its advisory lock died with it; SQLite: its process is
gone from this host). A holder Callboard cannot see (another host) needs ``state unlock``."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from engine.errors import StateError
from engine.state import StateStore, is_postgres_url
from engine.state.base import sync_lock
from engine.sync.locking import sync_locked

HOLD_LOCK = """
import sys, time
from engine.cli.runtime import lock_holder
from engine.state import open_state
from engine.state.base import sync_lock
store = open_state(sys.argv[1])
if sys.argv[2] == "state":
    store.acquire_lock(lock_holder(), "apply")
else:
    store.acquire_lock(lock_holder(), "sync run", sync_lock(sys.argv[2]))
print("locked", flush=True)
time.sleep(60)
"""


def _killed_holder(state_url: str, what: str) -> str:
    """Start a process that takes a lock, SIGKILL it while it holds it; returns its holder."""
    process = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, state_url, what],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "locked"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    return f"pid {process.pid}"


def _eventually(action: Callable[[], None], seconds: float = 5) -> None:
    """The server notices a killed client's closed socket within moments, not instantly."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            action()
            return
        except StateError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_second_writer_gets_the_holder(open_store: Callable[[], StateStore]) -> None:
    first, second = open_store(), open_store()
    first.acquire_lock("alice@ci-runner pid 42", "apply")
    with pytest.raises(StateError, match=r"locked: held by alice@ci-runner pid 42 "
                                         r"\(command: apply\) since \d{4}-"):
        second.acquire_lock("bob@laptop pid 7", "plan")
    with pytest.raises(StateError, match="alice@ci-runner pid 42"):
        first.acquire_lock("alice@ci-runner pid 42", "apply")  # not re-entrant either
    assert second.lock_info().holder == "alice@ci-runner pid 42"  # type: ignore[union-attr]
    first.release_lock("alice@ci-runner pid 42")
    assert second.lock_info() is None
    with second.locked("bob@laptop pid 7", "plan"):
        assert first.lock_info().command == "plan"  # type: ignore[union-attr]
    assert first.lock_info() is None


def test_a_killed_holder_does_not_block_for_ever(state_url: str,
                                                 open_store: Callable[[], StateStore],
                                                 caplog: pytest.LogCaptureFixture) -> None:
    dead = _killed_holder(state_url, "state")
    store = open_store()
    info = store.lock_info()
    assert info is not None and info.holder.endswith(dead)
    assert store.live_lock() is None or is_postgres_url(state_url)  # PG: until it notices
    _eventually(lambda: store.acquire_lock("next@runner pid 1", "apply"))
    assert store.lock_info().holder == "next@runner pid 1"  # type: ignore[union-attr]
    assert "taking over the lock" in caplog.text and dead in caplog.text


def test_a_holder_on_another_host_needs_state_unlock(
        open_store: Callable[[], StateStore]) -> None:
    first, second = open_store(), open_store()
    first.acquire_lock("alice@elsewhere pid 42", "apply")
    first.close()  # gone, but from another host nobody can tell (PostgreSQL can: it is freed)
    if is_postgres_url(second.url):
        _eventually(lambda: second.acquire_lock("next@runner pid 1", "apply"))
    else:
        with pytest.raises(StateError, match="held by alice@elsewhere pid 42.*state unlock"):
            second.acquire_lock("next@runner pid 1", "apply")
        assert second.force_unlock() is not None
        second.acquire_lock("next@runner pid 1", "apply")
    assert second.lock_info().holder == "next@runner pid 1"  # type: ignore[union-attr]


def test_sync_locks_are_per_sync(open_store: Callable[[], StateStore]) -> None:
    first, second = open_store(), open_store()
    first.acquire_lock("alice@ci pid 42", "sync run", sync_lock("data_syncs.members"))
    with pytest.raises(StateError, match="data_syncs.members is already running: lock held by "
                                         "alice@ci pid 42"):
        second.acquire_lock("bob@ci pid 7", "sync run", sync_lock("data_syncs.members"))
    # another sync: no conflict
    second.acquire_lock("bob@ci pid 7", "sync run", sync_lock("data_syncs.donors"))
    first.release_lock("alice@ci pid 42", sync_lock("data_syncs.members"))
    assert second.lock_info(sync_lock("data_syncs.members")) is None
    second.acquire_lock("bob@ci pid 7", "sync run", sync_lock("data_syncs.members"))
    assert first.lock_info(sync_lock("data_syncs.members")).holder == "bob@ci pid 7"  # type: ignore[union-attr]


def test_a_killed_sync_run_is_taken_over(state_url: str,
                                         open_store: Callable[[], StateStore]) -> None:
    dead = _killed_holder(state_url, "data_syncs.members")
    store = open_store()
    assert store.lock_info(sync_lock("data_syncs.members")).holder.endswith(dead)  # type: ignore[union-attr]

    def take_over() -> None:
        with sync_locked(store, "data_syncs.members", "next@runner pid 1"):
            assert store.lock_info(sync_lock("data_syncs.members")).holder == "next@runner pid 1"  # type: ignore[union-attr]

    _eventually(take_over)
    assert store.lock_info(sync_lock("data_syncs.members")) is None
