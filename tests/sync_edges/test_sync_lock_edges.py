"""Edges of the sync/apply locks: a wait of 0 and a run that lets go while an apply looks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from engine.cli.runtime import lock_holder
from engine.errors import StateError
from engine.state.base import LockInfo
from engine.state.sqlite import SqliteState
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
        async with syncs_held(applying, {SYNC}, "ci@runner pid 9", wait=0, say=print):
            raise AssertionError("the apply ran beside the sync")

    with sync_locked(syncing, SYNC, lock_holder()), pytest.raises(StateError) as refused:
        asyncio.run(apply())
    assert str(refused.value) == (
        f"{SYNC} is still running a sync after 0s (held by another run (command: sync run) "
        "since just now); nothing was applied. Apply again when that run has finished.")
    syncing.close()
    applying.close()
