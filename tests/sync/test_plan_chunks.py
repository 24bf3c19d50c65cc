"""Export chunks as a run plans them: a household address split across chunks, and rows an
export answers for constituents the list does not hold."""

from __future__ import annotations

import asyncio
from pathlib import Path

from engine.state.sqlite import SqliteState
from engine.sync.ports import ExportRow
from engine.sync.run_report import SUCCEEDED
from engine.sync.runner import DataSyncRunner

from .memory_ports import PURPOSE, MemorySource, MemoryTarget, address_of
from .test_runner_memory import DEFINITION, _run


def _shared(owner: int, address: str) -> ExportRow:
    return ExportRow(owner, 100 + owner, address, 1, False, False, frozenset({PURPOSE}), "Y")


def test_a_household_split_across_export_chunks_keeps_its_tag_while_one_owner_is_listed(
        tmp_path: Path) -> None:
    """1 and 3 share a home address but are exported in different chunks: the address is
    imported once, and the ledger learns both owners, so 1 leaving keeps it tagged."""
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}), MemoryTarget()
    source.extra_rows = {1: [_shared(1, "home@example.org")],
                         3: [_shared(3, "home@example.org")]}
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0, export_batch=1)
    first = _run(runner)
    assert first.status == SUCCEEDED and first.added == 4  # c1, c2, c3 and home: once
    assert state.sync_ledger(DEFINITION.sync_id)["home@example.org"] == {1, 3}
    source.members_now = {2, 3}
    second = _run(runner)
    assert (second.removed, second.kept_shared) == (1, 1)
    assert set(target.tagged) == {address_of(2), address_of(3), "home@example.org"}
    state.close()


def test_a_row_exported_for_a_constituent_not_in_the_list_tags_nothing(tmp_path: Path) -> None:
    """The export answers a row of constituent 50 beside 2's (a procedure may): 50 is not
    listed, so its address is not tagged; every listed member's is."""
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}), MemoryTarget()
    source.extra_rows = {2: [_shared(50, "a-stranger@example.org")]}
    report = asyncio.run(DataSyncRunner(source, target, state).run(DEFINITION))
    assert report.status == SUCCEEDED and report.added == 3
    assert set(target.tagged) == {address_of(1), address_of(2), address_of(3)}
    state.close()
