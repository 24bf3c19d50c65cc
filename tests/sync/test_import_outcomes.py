"""What each import batch sends and records: the sync's trigger settings, an address Prospect2
left out of its answer, a batch of addresses that only gain owners, and the -v line of each."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from engine.state.sqlite import SqliteState
from engine.sync.ports import ExportRow, ImportContact, ImportOutcome
from engine.sync.run_report import SUCCEEDED
from engine.sync.runner import DataSyncRunner

from .memory_ports import MemorySource, MemoryTarget, address_of
from .test_runner_memory import DEFINITION, _expected

MISSING = "missing from the import's result"


@dataclass
class _RecordingTarget(MemoryTarget):
    """Keeps each import's trigger settings; ``drop`` addresses are left out of the answer
    (neither accepted nor refused), as a Prospect2 import may."""

    options: list[tuple[bool, bool]] = field(default_factory=list)
    drop: set[str] = field(default_factory=set)

    async def import_tagged(self, contacts: Sequence[ImportContact], tag: str, *,
                            trigger_automations: bool, trigger_webhooks: bool
                            ) -> ImportOutcome:
        self.options.append((trigger_automations, trigger_webhooks))
        outcome = await super().import_tagged(contacts, tag,
                                              trigger_automations=trigger_automations,
                                              trigger_webhooks=trigger_webhooks)
        for address in self.drop:
            outcome.accepted.pop(address, None)
            self.tagged.pop(address, None)
        return outcome


@dataclass
class _HouseholdSource(MemorySource):
    """``shared`` constituents hold only another member's address (a household's)."""

    shared: dict[int, int] = field(default_factory=dict)

    async def export(self, constituent_ids: Sequence[int], output_set_id: int | None = None,
                     columns: Sequence[str] = ()) -> list[ExportRow]:
        rows = await super().export(constituent_ids, output_set_id, columns)
        return [replace(r, address=address_of(self.shared[r.constituent_id]))
                if r.constituent_id in self.shared else r for r in rows]


@pytest.mark.parametrize(("automations", "webhooks"), [(True, False), (False, True)])
def test_every_import_carries_the_syncs_trigger_settings(tmp_path: Path, automations: bool,
                                                         webhooks: bool) -> None:
    state = SqliteState(tmp_path / "state.db")
    target = _RecordingTarget()
    definition = replace(DEFINITION, trigger_automations=automations, trigger_webhooks=webhooks)
    runner = DataSyncRunner(MemorySource(members_now={1, 2, 3}), target, state, import_batch=2)
    assert asyncio.run(runner.run(definition)).status == SUCCEEDED
    assert target.options == [(automations, webhooks)] * 2
    state.close()


def test_an_address_missing_from_the_imports_answer_is_rejected_saying_so(
        tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}), _RecordingTarget(drop={address_of(2)})
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0)
    report = asyncio.run(runner.run(DEFINITION))
    assert report.rejected == {address_of(2): MISSING}
    assert state.sync_rejected("41") == [(address_of(2), 2, MISSING)]
    assert target.tagged.keys() == _expected({1, 3})

    source.members_now = {1, 3}  # the rejected member leaves the list: its rejection goes
    assert asyncio.run(runner.run(DEFINITION)).status == SUCCEEDED
    assert state.sync_rejected("41") == []
    state.close()


def test_a_batch_of_addresses_that_only_gain_owners_keeps_them_tagged_for_those_owners(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Exports of two members, imports of two: 3 and 4 share 1's and 2's addresses, so the
    second chunk's batch sends nothing and only records them as owners."""
    state = SqliteState(tmp_path / "state.db")
    source = _HouseholdSource(members_now={1, 2, 3, 4}, shared={3: 1, 4: 2})
    target = MemoryTarget()
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0, import_batch=2,
                            export_batch=2)
    with caplog.at_level("INFO", logger="engine.sync.plan_sender"):
        assert asyncio.run(runner.run(DEFINITION)).status == SUCCEEDED
    assert target.imported == [[address_of(1), address_of(2)]]
    assert [m for m in caplog.messages if " batch " in m] == [
        "sync: data_syncs.members batch 0 confirmed (b0): 2 tagged, 0 rejected",
        "sync: data_syncs.members batch 2 confirmed (-): 0 tagged, 0 rejected"]

    source.members_now = {3, 4}  # the first owners leave; the household members stay
    report = asyncio.run(runner.run(DEFINITION))
    assert (report.status, report.removed, report.kept_shared) == (SUCCEEDED, 0, 2)
    assert target.tagged.keys() == _expected({1, 2})
    source.members_now = set()
    asyncio.run(runner.run(DEFINITION, force=True))
    assert not target.tagged
    state.close()
