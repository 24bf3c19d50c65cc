"""Export chunks as a run plans them: a household address split across chunks, and rows an
export answers for constituents the list does not hold."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pyroaring import BitMap

from engine.errors import ProviderError
from engine.state.sqlite import SqliteState
from engine.sync.plan_builder import PlanBuilder
from engine.sync.ports import ExportRow
from engine.sync.run_report import FAILED, SUCCEEDED
from engine.sync.runner import DataSyncRunner

from .memory_ports import PURPOSE, Crash, MemorySource, MemoryTarget, address_of
from .test_run_plan import _header
from .test_runner_memory import DEFINITION, _run


def _shared(owner: int, address: str) -> ExportRow:
    return ExportRow(owner, 100 + owner, address, 1, False, False, frozenset({PURPOSE}), "Y")


def test_a_household_split_across_export_chunks_keeps_its_tag_while_one_owner_is_listed(
        tmp_path: Path) -> None:
    """1 and 3 share a home address but are exported in different chunks: the address is
    imported once, and the ledger learns both owners, so 1 leaving keeps it tagged."""
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}), MemoryTarget()
    source.extra_rows = {1: [_shared(1, "a-home@example.org")],
                         3: [_shared(3, "a-home@example.org")]}
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0, export_batch=1)
    first = _run(runner)
    assert first.status == SUCCEEDED and first.added == 4  # c1, c2, c3, a-home (once)
    assert state.sync_ledger(DEFINITION.sync_id)["a-home@example.org"] == {1, 3}
    source.members_now = {2, 3}
    second = _run(runner)
    assert (second.removed, second.kept_shared) == (1, 1)
    assert set(target.tagged) == {address_of(2), address_of(3), "a-home@example.org"}
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


def test_a_run_killed_while_exporting_is_finished_from_its_last_frozen_chunk(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The process dies on the second export chunk: the next run goes on from the chunk
    after the frozen one, sending the item the frozen chunk carried, each address once, its
    batches numbered on from the frozen chunk (as ``sync run -v`` shows them)."""
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}), MemoryTarget()
    runner = DataSyncRunner(source, target, state, import_batch=2, export_batch=1)
    real = source.export

    async def fails_the_second_chunk(ids, *args):  # noqa: ANN001, ANN002, ANN202
        if list(ids) == [2]:
            raise Crash()
        return await real(ids, *args)

    source.export = fails_the_second_chunk  # type: ignore[method-assign]
    with pytest.raises(Crash):
        _run(runner)
    assert target.imported == []  # chunk 0's one item waits for a full batch
    source.export = real  # type: ignore[method-assign]
    source.exported.clear()
    with caplog.at_level("INFO", logger="engine.sync.plan_sender"):
        report = _run(runner)
    assert [m.split(" confirmed")[0] for m in caplog.messages if " confirmed" in m] == [
        "sync: data_syncs.members batch 1", "sync: data_syncs.members batch 3"]
    assert report.resumed and report.status == SUCCEEDED
    assert source.exported[:2] == [[2], [3]]  # not chunk 0 again
    assert target.imported == [[address_of(1), address_of(2)], [address_of(3)]]
    state.close()


def test_a_failed_export_fails_the_run_with_its_reason_while_later_chunks_are_in_flight(
        tmp_path: Path) -> None:
    """Tessitura refuses the second export chunk while the third is still being read: the
    run fails with Tessitura's reason (not as if interrupted), and the next run finishes."""
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}), MemoryTarget()
    runner = DataSyncRunner(source, target, state, import_batch=2, export_batch=1)
    real = source.export

    async def refuses_the_second_chunk(ids, *args):  # noqa: ANN001, ANN002, ANN202
        if list(ids) == [2]:
            raise ProviderError("Tessitura answered 500 to the export")
        if list(ids) == [3]:
            await asyncio.sleep(30)  # still being read when the second chunk fails
        return await real(ids, *args)

    source.export = refuses_the_second_chunk  # type: ignore[method-assign]
    failed = _run(runner)
    assert (failed.status, failed.message) == (FAILED, "Tessitura answered 500 to the export")
    source.export = real  # type: ignore[method-assign]
    assert _run(runner).status == SUCCEEDED
    assert set(target.tagged) == {address_of(1), address_of(2), address_of(3)}
    state.close()


def test_a_plan_that_stops_on_a_failed_export_leaves_no_export_running(tmp_path: Path) -> None:
    """The chunks asked ahead are cancelled and waited for before the failure surfaces: a
    failed run reads nothing more from Tessitura."""
    state = SqliteState(tmp_path / "state.db")
    plan = _header(BitMap({1, 2, 3}), BitMap(), "add_only", export_batch=1)
    state.freeze_sync_plan(plan.sync_id, plan.run_id, plan.to_bytes())
    source = MemorySource(members_now={1, 2, 3})
    real, reading = source.export, []

    async def refuses_the_second_chunk(ids, *args):  # noqa: ANN001, ANN002, ANN202
        if list(ids) == [2]:
            raise ProviderError("Tessitura answered 500 to the export")
        if list(ids) == [3]:
            reading.append(3)
            try:
                await asyncio.sleep(30)
            finally:
                reading.remove(3)
        return await real(ids, *args)

    source.export = refuses_the_second_chunk  # type: ignore[method-assign]

    async def build() -> list[int]:
        with pytest.raises(ProviderError):
            await PlanBuilder(source, state, state, plan).build()  # type: ignore[arg-type]
        return list(reading)  # before anything else runs on the loop

    assert asyncio.run(build()) == []
    state.close()
