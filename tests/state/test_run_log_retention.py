"""Seed 003: run details stay "in the Activity Log for up to 30 days": a run that started 31
days ago is dropped when the next is logged, one from 29 days ago is kept (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.state import StateStore
from engine.state.base import SyncRunLogEntry


def _entry(run_id: str, days_ago: float) -> SyncRunLogEntry:
    started = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat(timespec="seconds")
    return SyncRunLogEntry(run_id, "s1", "data_syncs.members", started, started, "succeeded")


def test_the_run_log_keeps_thirty_days_and_no_more(state: StateStore) -> None:
    for run_id, days in (("older", 31), ("just-over", 30.05), ("within", 29.9),
                         ("recent", 1)):
        state.log_sync_run(_entry(run_id, days))
    state.log_sync_run(_entry("now", 0))
    kept = [e.run_id for e in state.sync_runs(None, "1970-01-01")]
    assert kept == ["within", "recent", "now"]
