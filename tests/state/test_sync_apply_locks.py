"""A sync run and an apply that changes that sync never run at once, on both backends: each
side waits (bounded, saying so) while the other holds its lock, then gives up cleanly."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest

from engine.cli.runtime import lock_holder
from engine.errors import CallboardError, StateError
from engine.state import StateStore
from engine.state.base import sync_lock
from engine.sync.locking import (
    SyncBusy,
    SyncSkipped,
    lock_wait,
    state_locked,
    sync_slot,
    syncs_held,
)

SYNC = "data_syncs.members"


def _release_later(action: Callable[[], None], seconds: float) -> threading.Thread:
    thread = threading.Timer(seconds, action)
    thread.start()
    return thread


def test_a_sync_run_waits_for_an_apply_then_runs(open_store: Callable[[], StateStore]) -> None:
    applying, syncing = open_store(), open_store()
    applying.acquire_lock(lock_holder(), "apply")  # this process: alive, on this host
    said: list[str] = []

    async def run() -> float:
        started = time.monotonic()
        async with sync_slot(syncing, SYNC, "cron@runner pid 7", wait=10, say=said.append):
            assert syncing.lock_info(sync_lock(SYNC)).holder == "cron@runner pid 7"  # type: ignore[union-attr]
            assert applying.live_lock() is None  # never both at once
        return time.monotonic() - started

    timer = _release_later(lambda: applying.release_lock(lock_holder()), 0.6)
    waited = asyncio.run(run())
    timer.join()
    assert 0.5 < waited < 9
    assert len(said) == 1 and said[0].startswith(
        f"{SYNC}: waiting up to 10s: apply holds the state (held by {lock_holder()} (command: "
        "apply) since")
    assert syncing.lock_info(sync_lock(SYNC)) is None


def test_a_sync_run_is_skipped_when_the_apply_outlasts_the_wait(
        open_store: Callable[[], StateStore]) -> None:
    applying, syncing = open_store(), open_store()
    applying.acquire_lock(lock_holder(), "apply")

    async def run() -> None:
        async with sync_slot(syncing, SYNC, "cron@runner pid 7", wait=0.3, say=print):
            raise AssertionError("the sync ran beside the apply")

    with pytest.raises(SyncSkipped, match=f"{SYNC}: skipped: apply still holds the state "
                                          r"after 0.3s .*the next run syncs it"):
        asyncio.run(run())
    assert syncing.lock_info(sync_lock(SYNC)) is None  # it stepped back without a trace


def test_a_writeback_run_does_not_hold_syncs_back(open_store: Callable[[], StateStore]) -> None:
    writing, syncing = open_store(), open_store()
    writing.acquire_lock(lock_holder(), "writeback run")

    async def run() -> None:
        async with sync_slot(syncing, SYNC, "cron@runner pid 7", wait=0, say=print):
            pass

    asyncio.run(run())


def test_an_apply_waits_for_a_running_sync_then_holds_it(
        open_store: Callable[[], StateStore]) -> None:
    syncing, applying = open_store(), open_store()
    syncing.acquire_lock(lock_holder(), "sync run", sync_lock(SYNC))
    said: list[str] = []

    async def apply() -> None:
        async with syncs_held(applying, {SYNC, "data_syncs.donors"}, "ci@runner pid 9",
                              command="apply", wait=10, say=said.append):
            held = syncing.lock_info(sync_lock(SYNC))
            assert held is not None and (held.holder, held.command) == ("ci@runner pid 9",
                                                                        "apply")
            with pytest.raises(StateError) as refused:  # no run starts meanwhile
                syncing.acquire_lock("cron@runner pid 7", "sync run", sync_lock(SYNC))
            assert str(refused.value) == (f"{SYNC} is already running: lock held by ci@runner "
                                          f"pid 9 (command: apply) since {held.since}")

    timer = _release_later(lambda: syncing.release_lock(lock_holder(), sync_lock(SYNC)), 0.6)
    asyncio.run(apply())
    timer.join()
    assert said and said[0].startswith(f"Waiting up to 10s for the sync run of {SYNC} to finish")
    assert syncing.lock_info(sync_lock(SYNC)) is None
    assert syncing.lock_info(sync_lock("data_syncs.donors")) is None


def test_an_apply_refuses_after_the_wait_and_holds_nothing(
        open_store: Callable[[], StateStore]) -> None:
    syncing, applying = open_store(), open_store()
    syncing.acquire_lock(lock_holder(), "sync run", sync_lock(SYNC))

    async def apply() -> None:
        async with syncs_held(applying, {"data_syncs.a", SYNC}, "ci@runner pid 9",
                              command="apply", wait=0.3, say=print):
            raise AssertionError("the apply ran beside the sync")

    with pytest.raises(StateError, match=f"{SYNC} is still running a sync after 0.3s "
                                         r".*nothing was applied"):
        asyncio.run(apply())
    assert applying.lock_info(sync_lock("data_syncs.a")) is None  # the one it had taken is let go


def test_the_wait_is_configurable() -> None:
    assert lock_wait({}) == 60 and lock_wait({"CALLBOARD_LOCK_WAIT": "2.5"}) == 2.5
    with pytest.raises(CallboardError, match="CALLBOARD_LOCK_WAIT='soon'"):
        lock_wait({"CALLBOARD_LOCK_WAIT": "soon"})


def test_an_apply_refused_by_a_run_names_that_run(open_store: Callable[[], StateStore]) -> None:
    syncing, applying = open_store(), open_store()

    async def both() -> None:
        async with sync_slot(syncing, SYNC, lock_holder(), wait=0, say=print):
            since = syncing.lock_info(sync_lock(SYNC)).since  # type: ignore[union-attr]
            with pytest.raises(StateError) as refused:
                async with syncs_held(applying, {SYNC}, "ci@runner pid 9", command="apply",
                                      wait=0, say=print):
                    raise AssertionError("the apply ran beside the sync")
            assert str(refused.value) == (
                f"{SYNC} is still running a sync after 0s (held by {lock_holder()} (command: "
                f"sync run) since {since}); nothing was applied. Apply again when that run "
                "has finished.")

    asyncio.run(both())


class _ApplyStartsMeanwhile:
    """The state as a sync run sees it when an apply takes the state between the run's look
    at the locks and its taking of the sync's lock."""

    def __init__(self, store: StateStore, applying: StateStore) -> None:
        self._store, self._applying, self._raced = store, applying, False

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    def acquire_lock(self, holder: str, command: str, name: str = "state") -> None:
        self._store.acquire_lock(holder, command, name)
        if not self._raced:
            self._raced = True
            self._applying.acquire_lock(lock_holder(), "apply")


def test_a_run_that_an_apply_beat_to_the_state_steps_back(
        open_store: Callable[[], StateStore]) -> None:
    syncing, applying = open_store(), open_store()
    raced = _ApplyStartsMeanwhile(syncing, applying)

    async def run() -> None:
        async with sync_slot(raced, SYNC, "cron@runner pid 7", wait=0, say=print):  # type: ignore[arg-type]
            raise AssertionError("the sync ran beside the apply")

    with pytest.raises(SyncSkipped, match=f"{SYNC}: skipped: apply still holds the state"):
        asyncio.run(run())
    assert syncing.lock_info(sync_lock(SYNC)) is None  # the apply may change the sync


def test_a_command_waits_for_a_writeback_run_then_takes_the_state(
        open_store: Callable[[], StateStore]) -> None:
    """A writeback run (cron, every few minutes) holds the state for seconds: an apply on
    merge that meets it waits, saying so once, instead of failing for nothing."""
    writing, applying = open_store(), open_store()
    writing.acquire_lock(lock_holder(), "writeback run")  # this process: alive, on this host
    said: list[str] = []
    timer = _release_later(lambda: writing.release_lock(lock_holder()), 0.6)
    started = time.monotonic()
    with state_locked(applying, "ci@runner pid 7", "apply", wait=10, say=said.append):
        waited = time.monotonic() - started
        assert applying.lock_info().command == "apply"  # type: ignore[union-attr]
    timer.join()
    assert 0.5 < waited < 5
    assert len(said) == 1 and said[0].startswith(
        f"Waiting up to 10s for a writeback run to finish (held by {lock_holder()} "
        "(command: writeback run) since ")
    assert applying.lock_info() is None  # released on the way out


def test_only_a_writeback_run_is_waited_for_and_only_so_long(
        open_store: Callable[[], StateStore]) -> None:
    holding, waiting = open_store(), open_store()
    holding.acquire_lock(lock_holder(), "apply")
    said: list[str] = []
    started = time.monotonic()
    with (pytest.raises(StateError, match=r"is locked: held by .* \(command: apply\)"),
          state_locked(waiting, "ci@runner pid 7", "writeback run", wait=10, say=said.append)):
        pass
    assert time.monotonic() - started < 2 and said == []  # another command: refused at once
    holding.release_lock(lock_holder())
    holding.acquire_lock(lock_holder(), "writeback run")
    started = time.monotonic()
    with (pytest.raises(StateError, match=r"\(command: writeback run\)"),
          state_locked(waiting, "ci@runner pid 7", "apply", wait=0.3, say=said.append)):
        pass
    assert 0.3 <= time.monotonic() - started < 3 and len(said) == 1
    assert holding.lock_info().command == "writeback run"  # type: ignore[union-attr]


def test_a_sync_another_run_holds_is_skipped_by_due_and_all_and_refused_by_name(
        open_store: Callable[[], StateStore]) -> None:
    """A long run a cron tick started still holds the sync at the next tick: ``--due`` and
    ``--all`` skip it (SyncBusy) and run the others; a run by name is refused as always."""
    running, syncing = open_store(), open_store()
    running.acquire_lock(lock_holder(), "sync run", sync_lock(SYNC))  # alive, on this host
    since = running.lock_info(sync_lock(SYNC)).since  # type: ignore[union-attr]

    async def run(busy_skips: bool) -> None:
        async with sync_slot(syncing, SYNC, "cron@runner pid 7", wait=10, say=print,
                             busy_skips=busy_skips):
            raise AssertionError("two runs of one sync at once")

    with pytest.raises(SyncBusy) as skipped:
        asyncio.run(run(busy_skips=True))
    assert isinstance(skipped.value, SyncSkipped)
    assert str(skipped.value) == (
        f"{SYNC}: skipped: it is already running (lock held by {lock_holder()} (command: sync "
        f"run) since {since}); the next run syncs what changes meanwhile")
    with pytest.raises(StateError, match=f"^{SYNC} is already running: lock held by "):
        asyncio.run(run(busy_skips=False))
    held = syncing.lock_info(sync_lock(SYNC))
    assert held is not None and held.holder == lock_holder()  # the running one keeps it


def test_a_lock_released_while_it_is_looked_at_is_taken(
        open_store: Callable[[], StateStore], monkeypatch: pytest.MonkeyPatch) -> None:
    """The writeback run ends between the look (alive: not taken over) and the second look
    that names the holder: the apply takes the state instead of failing with "locked: taken"
    (seen once in CI)."""
    writing, applying = open_store(), open_store()
    writing.acquire_lock(lock_holder(), "writeback run")
    look, looks = applying.lock_info, []

    def lock_info(name: str = "state") -> object:
        looks.append(name)
        if len(looks) == 2:
            writing.release_lock(lock_holder())  # the run finishes between the two looks
        return look(name)

    monkeypatch.setattr(applying, "lock_info", lock_info)
    with state_locked(applying, "ci@runner pid 7", "apply", wait=0, say=print):
        assert look().holder == "ci@runner pid 7"  # type: ignore[union-attr]
    assert look() is None
