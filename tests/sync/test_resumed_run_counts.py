"""A run that finishes an interrupted one reports the work of both plans: what the first
attempt already sent, what it left, and what changed since (the summary is the run's)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.state.sqlite import SqliteState
from engine.sync.ports import ExportRow
from engine.sync.run_report import SyncRunReport
from engine.sync.runner import DataSyncRunner

from .memory_ports import PURPOSE, Crash, MemorySource, MemoryTarget, address_of
from .test_contact_data import LEVEL
from .test_runner_memory import DEFINITION

MISFIT = "LEVEL: not one of the dropdown field's options (Friend, Patron, Benefactor)"


def test_a_resumed_run_counts_the_interrupted_plan_and_the_fresh_one(tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now=set(range(1, 7))), MemoryTarget(purpose=PURPOSE)
    source.extra_rows[2] = [ExportRow(2, 99, address_of(1), 1, False, False,
                                      frozenset({PURPOSE}), "Y")]  # 2 shares 1's address
    source.values = {c: {"Membership Level": "Gold" if c in (7, 10) else "Patron"}
                     for c in range(1, 11)}
    definition = replace(DEFINITION, trigger_webhooks=True, purpose_id=PURPOSE,
                         contact_fields=(LEVEL,))
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0, import_batch=2)

    def run():  # noqa: ANN202
        return asyncio.run(runner.run(definition, force=True))

    run()
    source.members_now = {2, 3, 4, 7, 8, 9}  # 1, 5, 6 leave (1's address stays with 2)
    target.crash_after = target.writes + 1
    with pytest.raises(Crash):
        run()
    source.members_now |= {10}  # joins while the interrupted run waits to be finished
    report = run()
    assert report.resumed
    assert (report.added, report.removed, report.kept_shared) == (4, 2, 1)
    assert (report.purposes_added, report.purposes_removed) == (4, 2)
    assert report.values_left_out == {MISFIT: 2}  # 7 in the first plan, 10 in the fresh one
    state.close()


def test_the_run_log_says_when_each_run_finished(tmp_path: Path) -> None:
    """``sync log`` reads the report back from state: its finish time is the run's."""
    state = SqliteState(tmp_path / "state.db")
    start = datetime.now(UTC).replace(microsecond=0)  # the log keeps recent runs only
    started, finished = start.isoformat(), (start + timedelta(seconds=30)).isoformat()
    times = iter([started])  # then 30 s later
    runner = DataSyncRunner(MemorySource(members_now={1, 2}), MemoryTarget(), state,
                            clock=lambda: next(times, finished))
    asyncio.run(runner.run(DEFINITION))
    [entry] = state.sync_runs(DEFINITION.address, "")
    logged = SyncRunReport.from_log_entry(entry)
    assert logged.finished_at == finished
    assert f"Started {started}, finished {finished}." in logged.summary_text()
    state.close()


def test_a_sync_without_trigger_webhooks_reports_no_purposes(tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "state.db")
    source = MemorySource(members_now={1, 2})
    report = asyncio.run(DataSyncRunner(source, MemoryTarget(), state).run(DEFINITION))
    assert (report.added, report.purposes_added, report.purposes_removed) == (2, 0, 0)
    assert "contact point purpose" not in report.summary_text()
    assert source.purpose_calls == []
    state.close()
