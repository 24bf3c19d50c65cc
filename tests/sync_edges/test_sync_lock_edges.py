"""Edges of the sync/apply locks: a wait of 0 and a run that lets go while an apply looks."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest

from engine.cli.runtime import lock_holder
from engine.errors import StateError
from engine.state.base import LockInfo
from engine.state.sqlite import SqliteState
from engine.sync import locking
from engine.sync.locking import LOCK_WAIT_ENV, lock_wait, sync_locked, syncs_held

SYNC = "data_syncs.members"


def test_a_lock_wait_of_zero_means_one_look_and_no_wait() -> None:
    assert lock_wait({LOCK_WAIT_ENV: "0"}) == 0.0


class _RunEndsMeanwhile(SqliteState):
    """The state as an apply sees it when the sync run holding the lock ends between the
    apply's attempt and its look at who held it."""

    def lock_info(self, name: str = "state") -> LockInfo | None:
        return None if name.startswith("sync:") else super().lock_info(name)


def test_an_apply_refused_by_a_run_that_just_ended_still_says_why(tmp_path: Path) -> None:
    syncing, applying = SqliteState(tmp_path / "s.db"), _RunEndsMeanwhile(tmp_path / "s.db")

    async def apply() -> None:
        async with syncs_held(applying, {SYNC}, "ci@runner pid 9", command="apply", wait=0,
                              say=print):
            raise AssertionError("the apply ran beside the sync")

    with sync_locked(syncing, SYNC, lock_holder()), pytest.raises(StateError) as refused:
        asyncio.run(apply())
    assert str(refused.value) == (
        f"{SYNC} is still running a sync after 0s (held by another run (command: sync run) "
        "since just now); nothing was applied. Apply again when that run has finished.")
    syncing.close()
    applying.close()


class _Clock:
    """The lock wait's clock and sleep, so its steps are exact: sleeping moves the clock (a
    coarse clock, as Windows' monotonic one is, can read exactly the deadline)."""

    def __init__(self) -> None:
        self.now, self.slept = 100.0, []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert seconds > 0, "a wait sleeps for something or stops looking"
        self.slept.append(seconds)
        self.now += seconds


class _CountedLooks(SqliteState):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.looks = 0

    def acquire_lock(self, holder: str, command: str, name: str = "state") -> None:
        self.looks += 1
        super().acquire_lock(holder, command, name)


def test_an_apply_waits_its_wait_and_no_poll_more_looking_last_at_the_deadline(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CALLBOARD_LOCK_WAIT=0.05 waits 0.05 s (not a whole 0.2 s poll), then refuses after
    one look at the deadline."""
    clock = _Clock()
    monkeypatch.setattr(locking, "time", SimpleNamespace(monotonic=clock.monotonic))
    monkeypatch.setattr(locking, "asyncio",
                        SimpleNamespace(sleep=clock.sleep, to_thread=asyncio.to_thread))
    syncing, applying = SqliteState(tmp_path / "s.db"), _CountedLooks(tmp_path / "s.db")
    said: list[str] = []

    async def apply() -> None:
        async with syncs_held(applying, {SYNC}, "ci@runner pid 9", command="apply",
                              wait=0.05, say=said.append):
            raise AssertionError("the apply ran beside the sync")

    with sync_locked(syncing, SYNC, lock_holder()), pytest.raises(StateError) as refused:
        asyncio.run(apply())
    assert str(refused.value).startswith(f"{SYNC} is still running a sync after 0.05s (held by")
    assert [line.split(" (held by")[0] for line in said] == [
        f"Waiting up to 0.05s for the sync run of {SYNC} to finish before applying"]
    assert (clock.slept, applying.looks) == ([pytest.approx(0.05)], 2)
    syncing.close()
    applying.close()
