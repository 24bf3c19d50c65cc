"""How the sender paces Prospect2 and says how far it is: imports a few at once, removals only
once every import has returned, and the progress lines a cron log shows (count and ETA)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from engine.state.sqlite import SqliteState
from engine.sync.plan_sender import IMPORTS_IN_FLIGHT
from engine.sync.ports import ExportRow, ImportContact, ImportOutcome
from engine.sync.run_report import SUCCEEDED
from engine.sync.runner import DataSyncRunner

from .memory_ports import MemorySource, MemoryTarget
from .test_runner_memory import DEFINITION, _expected


@dataclass
class _PacedTarget(MemoryTarget):
    """Imports take a moment; counts how many are answered at once, and removals made while
    an import is still being answered."""

    answering: int = 0
    most_at_once: int = 0
    removals_racing_imports: int = 0
    #: The first import of a run takes longer; imports by call number, as they were answered.
    calls: int = 0
    answered: list[int] = field(default_factory=list)

    async def import_tagged(self, contacts: Sequence[ImportContact], tag: str, *,
                            trigger_automations: bool, trigger_webhooks: bool
                            ) -> ImportOutcome:
        self.answering += 1
        self.calls += 1
        call = self.calls
        self.most_at_once = max(self.most_at_once, self.answering)
        try:
            await asyncio.sleep(0.3 if call == 1 else 0.02)
            return await super().import_tagged(contacts, tag,
                                               trigger_automations=trigger_automations,
                                               trigger_webhooks=trigger_webhooks)
        finally:
            self.answering -= 1
            self.answered.append(call)

    async def remove(self, association_id: str) -> bool:
        self.removals_racing_imports += self.answering > 0
        return await super().remove(association_id)


@dataclass
class _BudgetedTarget(MemoryTarget):
    """A target with Prospect2's request budget, so the progress lines carry an ETA; an import
    takes a moment to confirm, as a real one does."""

    @property
    def rate_per_second(self) -> float | None:
        return 5.0

    async def import_tagged(self, contacts: Sequence[ImportContact], tag: str, *,
                            trigger_automations: bool, trigger_webhooks: bool
                            ) -> ImportOutcome:
        await asyncio.sleep(0.02)
        return await super().import_tagged(contacts, tag,
                                           trigger_automations=trigger_automations,
                                           trigger_webhooks=trigger_webhooks)


def test_imports_go_a_few_at_once_and_removals_wait_for_every_one(tmp_path: Path) -> None:
    """A slow batch holds up no other: the next ones go as soon as any batch returns."""
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now=set(range(1, 11))), _PacedTarget()
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0, import_batch=2)
    assert asyncio.run(runner.run(DEFINITION)).status == SUCCEEDED

    source.members_now = set(range(6, 24))  # five leave, thirteen join: seven import batches
    target.most_at_once, target.calls, target.answered = 0, 0, []
    report = asyncio.run(runner.run(DEFINITION))
    assert (report.status, report.removed, len(target.imported)) == (SUCCEEDED, 5, 12)
    assert target.most_at_once == IMPORTS_IN_FLIGHT
    assert target.answered[-1] == 1  # the slow first batch, answered after the six others
    assert target.removals_racing_imports == 0
    assert target.tagged.keys() == _expected(set(range(6, 24)))
    state.close()


def _progress(captured: str) -> list[str]:
    return [re.sub(r"done in .*", "done in …", line) for line in captured.splitlines()
            if "(API calls)" in line]


def test_progress_counts_the_api_calls_of_removals_and_grows_when_a_leaver_had_two_addresses(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two leavers are estimated at a delete each; one had two addresses, so three."""
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2}), _BudgetedTarget()
    source.extra_rows[1] = [ExportRow(1, 101, "second@example.org", 1, False, False,
                                      frozenset({7}), "Y")]
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0)
    asyncio.run(runner.run(DEFINITION))
    assert len(target.tagged) == 3
    capsys.readouterr()

    source.members_now = set()
    asyncio.run(runner.run(DEFINITION, force=True))
    assert _progress(capsys.readouterr().err) == [
        "data_syncs.members (API calls): 0/2 (0 %), about 1 s left",
        "data_syncs.members (API calls): 3/3 (100 %), done in …"]
    state.close()


def test_progress_of_an_add_only_run_counts_imports_not_leavers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2}), _BudgetedTarget()
    definition = replace(DEFINITION, mode="add_only")
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0)
    asyncio.run(runner.run(definition))
    capsys.readouterr()

    source.members_now = {3}  # two leave (kept tagged), one joins: one import batch
    asyncio.run(runner.run(definition))
    assert _progress(capsys.readouterr().err) == [
        "data_syncs.members (API calls): 0/2 (0 %), about 1 s left",
        "data_syncs.members (API calls): 2/2 (100 %), done in …"]
    assert target.tagged.keys() == _expected({1, 2, 3})
    state.close()


def test_progress_counts_a_purpose_update_as_one_call(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One import batch is estimated (two calls); the purpose update adds one, counted while
    the import is still in flight (the total once lagged: "3/2 (100 %)")."""
    state = SqliteState(tmp_path / "state.db")
    definition = replace(DEFINITION, trigger_webhooks=True, purpose_id=7)
    runner = DataSyncRunner(MemorySource(members_now={1, 2, 3}), _BudgetedTarget(purpose=7),
                            state)
    asyncio.run(runner.run(definition))
    assert _progress(capsys.readouterr().err) == [
        "data_syncs.members (API calls): 0/2 (0 %), about 1 s left",
        "data_syncs.members (API calls): 2/3 (66 %), about 1 s left",
        "data_syncs.members (API calls): 3/3 (100 %), done in …"]
    state.close()
