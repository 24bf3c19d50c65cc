"""The words a plan uses for a Data Sync's baseline when the sync is deleted or replaced."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyroaring import BitMap

from engine.plan.impact import baseline_impact
from engine.state.base import SyncBaseline
from engine.state.sqlite import SqliteState
from engine.sync.delta import dump_bitmap


@pytest.mark.parametrize(("members", "words"), [
    ([7], "its baseline holds 1 constituent"),
    ([7, 8], "its baseline holds 2 constituents"),
    (range(1, 1235), "its baseline holds 1,234 constituents"),
])
def test_a_baseline_is_counted_in_constituents(tmp_path: Path, members, words: str) -> None:
    state = SqliteState(tmp_path / "state.db")
    state.finish_sync_plan("4", "r1", SyncBaseline("4", dump_bitmap(BitMap(members))), [], [])
    assert baseline_impact(state, "4") == words
    assert baseline_impact(state, "5") is None  # another sync, never run
