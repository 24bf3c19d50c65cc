"""An import batch cancelled on its own (as a library might on a dropped connection) stops
the run: finishing without it would move the baseline over members never tagged."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from engine.state.sqlite import SqliteState
from engine.sync.delta import load_bitmap
from engine.sync.runner import DataSyncRunner

from .memory_ports import MemorySource, MemoryTarget
from .test_runner_memory import _expected, _run


class _CancelledOnce(MemoryTarget):
    """An import batch whose task is cancelled before Prospect2 hears of it (as a library
    might on a dropped connection), the first time only."""

    cancelled: bool = False

    async def import_tagged(self, contacts, tag, **options):  # noqa: ANN001, ANN201
        if not self.cancelled:
            self.cancelled = True
            raise asyncio.CancelledError
        return await super().import_tagged(contacts, tag, **options)


def test_an_import_batch_cancelled_on_its_own_stops_the_run_and_the_next_run_tags_it(
        tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "state.db")
    members = set(range(1, 1001))
    source, target = MemorySource(members_now=members), _CancelledOnce()
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0)
    with pytest.raises(asyncio.CancelledError, match="^an import batch was cancelled$"):
        _run(runner)
    assert state.sync_baseline("41") is None  # no member counted as tagged while untagged
    report = _run(runner)
    assert report.resumed
    assert target.tagged.keys() == _expected(members)
    assert set(load_bitmap(state.sync_baseline("41").members)) == members
    state.close()
