"""What a sync run stopped by Ctrl-C says it finished, and that the next run finishes it.

``tests/workflows/test_interrupt_sync_run.py`` presses a real Ctrl-C in a subprocess; here the
stop is asked for as the handler does it (``StopSignal.on_sigint``), in process, so the count
of what was sent, what is left and whether the plan was whole is checked exactly, wherever
signals are ignored (mutation testing's workers)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from engine import interrupts
from engine.interrupts import Interrupted, StopSignal
from engine.state.sqlite import SqliteState
from engine.sync.delta import load_bitmap
from engine.sync.ports import ExportRow, ImportContact, ImportOutcome
from engine.sync.run_report import INTERRUPTED, SUCCEEDED
from engine.sync.runner import DataSyncRunner

from .memory_ports import Crash, MemorySource, MemoryTarget
from .test_runner_memory import DEFINITION, _expected

#: How long a gated export waits before the test calls it a hang.
PATIENCE = 5.0


@dataclass
class _GatedSource(MemorySource):
    """Exports of chunk ``held_from`` (chunks of ``chunk`` constituents) wait for ``release``;
    later chunks wait for good: the export is still going when Ctrl-C comes."""

    chunk: int = 100
    held_from: int | None = None
    release: asyncio.Event = field(default_factory=asyncio.Event)
    finished_exports: int = 0

    async def export(self, constituent_ids: Sequence[int], output_set_id: int | None = None,
                     columns: Sequence[str] = ()) -> list[ExportRow]:
        number = (min(constituent_ids) - 1) // self.chunk
        if self.held_from is not None and number >= self.held_from:
            never = asyncio.Event()
            gate = self.release if number == self.held_from else never
            try:
                await asyncio.wait_for(gate.wait(), PATIENCE)
            except TimeoutError:
                raise Crash(f"export of chunk {number} hung") from None
        rows = await super().export(constituent_ids, output_set_id, columns)
        self.finished_exports += 1
        return rows


@dataclass
class _PressingTarget(MemoryTarget):
    """Ctrl-C is pressed during import number ``press_at_import`` (or removal number
    ``press_at_removal``), whose answer then takes a moment; the held export is released."""

    stop: StopSignal | None = None
    press_at_import: int | None = None
    press_at_removal: int | None = None
    source: _GatedSource | None = None
    removals: int = 0

    def _press(self) -> None:
        assert self.stop is not None
        self.stop.on_sigint(signal.SIGINT, None)
        if self.source is not None:
            self.source.release.set()

    async def import_tagged(self, contacts: Sequence[ImportContact], tag: str, *,
                            trigger_automations: bool, trigger_webhooks: bool
                            ) -> ImportOutcome:
        outcome = await super().import_tagged(contacts, tag,
                                              trigger_automations=trigger_automations,
                                              trigger_webhooks=trigger_webhooks)
        if len(self.imported) == self.press_at_import:
            self._press()
            await asyncio.sleep(0.2)  # the batch in flight is confirmed after the press
        return outcome

    async def remove(self, association_id: str) -> bool:
        self.removals += 1
        if self.removals == self.press_at_removal:
            self._press()
        return await super().remove(association_id)


def _run_stopped(runner: DataSyncRunner, target: _PressingTarget, *,
                 force: bool = False) -> Interrupted:
    """Run the sync as ``callboard sync run`` does (a stretch of writes), expecting the stop."""
    notices: list[str] = []

    async def run() -> None:
        stop = StopSignal(asyncio.get_running_loop(), asyncio.current_task(), notices.append)
        token = interrupts._current.set(stop)
        target.stop = stop
        try:
            with interrupts.writing():
                await runner.run(DEFINITION, force=force)
        finally:
            interrupts._current.reset(token)

    with pytest.raises(Interrupted) as stopped:
        asyncio.run(run())
    assert notices == [interrupts.SOFT_NOTICE]
    return stopped.value


def _journaled(state: SqliteState) -> set[int]:
    frozen = state.sync_plan("41")
    assert frozen is not None
    return state.sync_batches_done("41", frozen[0])


def _last_status(state: SqliteState) -> str:
    return state.sync_runs(DEFINITION.address, "")[-1].status


def test_ctrl_c_while_exporting_waits_for_the_imports_in_flight_and_counts_at_least(
        tmp_path: Path) -> None:
    """Chunks of 100 members, imports of 50: chunks 1-2 are four imports in flight when
    Ctrl-C comes (during the fourth, still answering); chunk 3 is frozen, chunk 4 is still
    being exported, so the plan's size is not known yet."""
    state = SqliteState(tmp_path / "state.db")
    members = set(range(1, 1001))
    source = _GatedSource(members_now=members, held_from=2)
    target = _PressingTarget(press_at_import=4, source=source)
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0, import_batch=50,
                            export_batch=100)

    stopped = _run_stopped(runner, target)

    assert stopped.message() == ("Interrupted: 4 of at least 6 batches sent and recorded. "
                                 "Run the same command again to finish.")
    assert len(_journaled(state)) == 4 and len(target.imported) == 4
    assert source.finished_exports == 3  # the export stopped with the run
    assert _last_status(state) == INTERRUPTED

    target.press_at_import, source.held_from = None, None
    again = asyncio.run(runner.run(DEFINITION))
    assert again.status == SUCCEEDED and again.resumed
    sent = [a for batch in target.imported for a in batch]
    assert sorted(sent) == sorted(_expected(members))  # each member imported once
    assert set(load_bitmap(state.sync_baseline("41").members)) == members
    state.close()


def test_ctrl_c_during_removals_counts_the_whole_plan(tmp_path: Path) -> None:
    """40 leavers, one removal a batch (more than a page of parts): Ctrl-C during the first
    removal stops before the second; the plan is whole, so its size is exact."""
    state = SqliteState(tmp_path / "state.db")
    members = set(range(1, 41))
    source, target = _GatedSource(members_now=members), _PressingTarget(press_at_removal=1)
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0, removal_batch=1)
    assert asyncio.run(runner.run(DEFINITION)).status == SUCCEEDED

    source.members_now = set()
    stopped = _run_stopped(runner, target, force=True)

    assert stopped.message() == ("Interrupted: 1 of 40 batches sent and recorded. "
                                 "Run the same command again to finish.")
    assert len(_journaled(state)) == 1 and len(target.tagged) == 39

    target.press_at_removal = None
    again = asyncio.run(runner.run(DEFINITION, force=True))
    assert again.status == SUCCEEDED and again.resumed and again.removed == 40
    assert not target.tagged and not load_bitmap(state.sync_baseline("41").members)
    state.close()
