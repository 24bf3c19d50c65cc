"""What the run log tells ``sync run --due``, a Ctrl-C'd run and ``sync log NAME`` (seed 003).

State is a real SQLite file; the clock is moved the way ``tests/sync/test_sync_cli.py`` moves
it, so each answer is the one a cron line running ``sync run --due`` would get at that moment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from engine import clock
from engine.errors import UsageError
from engine.state import open_state
from engine.state.base import ResourceRecord, StateStore, SyncRunLogEntry
from engine.sync.definition import SyncDefinition
from engine.sync.filters import AddressFilter
from engine.sync.run_log import close_dead_runs, due_now, interrupted_report, known_sync
from engine.sync.run_report import INTERRUPTED, RUNNING, SUCCEEDED
from engine.sync.runner import new_run_id
from engine.sync.schedule import Schedule

NEW_YORK = ZoneInfo("America/New_York")
DAILY_2AM = Schedule.model_validate({"daily": "02:00"})


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StateStore]:
    # The log keeps 30 days: these runs are recent at the tests' January 2026.
    monkeypatch.setattr(clock, "now", lambda: utc(2026, 1, 6))
    store = open_state(str(tmp_path / "state.db"))
    yield store
    store.close()


def sync(name: str, schedule: Schedule | None = DAILY_2AM) -> SyncDefinition:
    return SyncDefinition(
        address=f"data_syncs.{name}", name=name, sync_id=f"id-{name}", list_id=5, tag=name,
        mode="add_and_remove", trigger_webhooks=False, trigger_automations=False,
        address_filter=AddressFilter(), schedule=schedule, notify=(), enabled=True)


def recorded(name: str, at: datetime | None) -> ResourceRecord:
    """The sync's state record, written at ``at`` (None: by a Callboard that kept no time)."""
    return ResourceRecord(f"data_syncs.{name}", "data_syncs", name, f"id-{name}",
                          updated_at=at.isoformat(timespec="seconds") if at else "")


def log_run(state: StateStore, name: str, started: datetime, status: str = SUCCEEDED,
            run_id: str = "") -> None:
    finished = None if status in (RUNNING, INTERRUPTED) else started.isoformat()
    state.log_sync_run(SyncRunLogEntry(run_id or f"{started.isoformat()}-{name}", f"id-{name}",
                                       f"data_syncs.{name}", started.isoformat(), finished,
                                       status, {}))


def due(state: StateStore, name: str, now: datetime, *, tz: tzinfo = UTC,
        schedule: Schedule | None = DAILY_2AM, recorded_at: datetime | None = None,
        monkeypatch: pytest.MonkeyPatch) -> bool:
    monkeypatch.setattr(clock, "now", lambda: now)
    return due_now(state, recorded(name, recorded_at), sync(name, schedule), tz)


def test_a_sync_without_a_schedule_is_never_due(state: StateStore,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert not due(state, "board", utc(2026, 1, 9, 12), schedule=None,
                   recorded_at=utc(2026, 1, 1), monkeypatch=monkeypatch)


def test_only_the_syncs_own_runs_count(state: StateStore,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    log_run(state, "board", utc(2026, 1, 5, 10))
    log_run(state, "donors", utc(2026, 1, 6, 2, 30))  # another sync ran after today's 02:00
    now = utc(2026, 1, 6, 3)
    assert due(state, "board", now, monkeypatch=monkeypatch)
    assert not due(state, "donors", now, monkeypatch=monkeypatch)


def test_after_a_run_the_schedule_fires_in_the_organizations_time_zone(
        state: StateStore, monkeypatch: pytest.MonkeyPatch) -> None:
    log_run(state, "board", utc(2026, 1, 5, 8))  # 03:00 in New York
    # 02:00 UTC has passed, 02:00 in New York (07:00 UTC) has not.
    assert not due(state, "board", utc(2026, 1, 6, 3), tz=NEW_YORK, monkeypatch=monkeypatch)
    assert due(state, "board", utc(2026, 1, 6, 7), tz=NEW_YORK, monkeypatch=monkeypatch)


def test_a_sync_that_never_ran_counts_from_when_state_recorded_it(
        state: StateStore, monkeypatch: pytest.MonkeyPatch) -> None:
    created = utc(2026, 1, 5, 10)  # 05:00 in New York: today's 02:00 had gone by
    for now, expected in [(utc(2026, 1, 5, 12), False), (utc(2026, 1, 6, 3), False),
                          (utc(2026, 1, 6, 7), True)]:
        assert due(state, "board", now, tz=NEW_YORK, recorded_at=created,
                   monkeypatch=monkeypatch) is expected, now


def test_a_sync_state_kept_no_time_for_catches_up_on_the_last_24_hours(
        state: StateStore, monkeypatch: pytest.MonkeyPatch) -> None:
    assert due(state, "board", utc(2026, 1, 5, 12), recorded_at=None, monkeypatch=monkeypatch)


def test_ctrl_c_marks_the_syncs_latest_run_interrupted_with_what_it_finished(
        state: StateStore, monkeypatch: pytest.MonkeyPatch) -> None:
    for day in (1, 2, 3):  # earlier runs that died and were marked by the next
        log_run(state, "board", utc(2026, 1, day, 2), INTERRUPTED, run_id=f"run-{day}")
    log_run(state, "board", utc(2026, 1, 4, 2), SUCCEEDED, run_id="run-4")
    log_run(state, "board", utc(2026, 1, 5, 2), RUNNING, run_id="run-5")
    log_run(state, "donors", utc(2026, 1, 5, 2, 1), RUNNING, run_id="donors-run")
    monkeypatch.setattr(clock, "now", lambda: utc(2026, 1, 5, 2, 7))

    report = interrupted_report(state, "data_syncs.board", "2 of 5 batches sent")

    assert report is not None
    assert report.summary_text() == (
        "data_syncs.board: interrupted (2 of 5 batches sent); the next run finishes it\n"
        "\n"
        "  API calls: Tessitura 0, Prospect2 0 (0 answered 429)\n"
        "\n"
        "Started 2026-01-05T02:00:00+00:00, finished 2026-01-05T02:07:00+00:00.\n"
        "Run run-5.\n")
    assert [(e.run_id, e.status, e.finished_at, e.summary.get("message"))
            for e in state.sync_runs(None, "")] == [
        ("run-1", INTERRUPTED, None, None), ("run-2", INTERRUPTED, None, None),
        ("run-3", INTERRUPTED, None, None),
        ("run-4", SUCCEEDED, "2026-01-04T02:00:00+00:00", None),
        ("run-5", INTERRUPTED, "2026-01-05T02:07:00+00:00", "2 of 5 batches sent"),
        ("donors-run", RUNNING, None, None)]


def test_the_next_run_marks_only_its_own_syncs_dead_runs_interrupted(
        state: StateStore) -> None:
    log_run(state, "board", utc(2026, 1, 4, 2), SUCCEEDED, run_id="run-4")
    log_run(state, "board", utc(2026, 1, 5, 2), RUNNING, run_id="run-5")  # killed with -9
    log_run(state, "donors", utc(2026, 1, 5, 2, 1), RUNNING, run_id="donors-run")
    close_dead_runs(state, "data_syncs.board")
    assert [(e.run_id, e.status) for e in state.sync_runs(None, "")] == [
        ("run-4", SUCCEEDED), ("run-5", INTERRUPTED), ("donors-run", RUNNING)]


def test_ctrl_c_before_a_run_was_logged_reports_nothing(state: StateStore) -> None:
    log_run(state, "board", utc(2026, 1, 4, 2), SUCCEEDED)
    assert interrupted_report(state, "data_syncs.board", "stopped") is None


def test_sync_log_knows_syncs_in_state_and_syncs_only_the_run_log_remembers(
        state: StateStore) -> None:
    state.put(recorded("board", None))  # in state, never run
    log_run(state, "gone", utc(2026, 1, 4, 2))  # removed from state since it ran
    assert known_sync(state, "board") == "data_syncs.board"
    assert known_sync(state, "data_syncs.gone") == "data_syncs.gone"
    with pytest.raises(UsageError) as unknown:
        known_sync(state, "bord")
    assert str(unknown.value) == ("no Data Sync data_syncs.bord in state or the run log "
                                  "(did you mean 'board'?); Data Syncs: board, gone")
    with pytest.raises(UsageError) as unknown:  # the whole name after the kind is compared
        known_sync(state, "data_syncs.board.old")
    assert "(did you mean 'board'?)" in str(unknown.value)


def test_sync_log_of_a_name_with_no_syncs_at_all_says_none(state: StateStore) -> None:
    with pytest.raises(UsageError) as unknown:
        known_sync(state, "board")
    assert str(unknown.value) == ("no Data Sync data_syncs.board in state or the run log; "
                                  "Data Syncs: none")


def test_a_run_id_is_its_utc_start_then_a_random_tail(
        machine_zone: Callable[[str], None]) -> None:
    machine_zone("Pacific/Kiritimati")  # 14 hours ahead: a local stamp would sort wrong
    before = datetime.now(UTC).replace(tzinfo=None)
    stamp, tail = new_run_id().split("-")
    after = datetime.now(UTC).replace(tzinfo=None)
    assert before <= datetime.strptime(stamp, "%Y%m%dT%H%M%S%f") <= after
    assert re.fullmatch("[0-9a-f]{8}", tail)


def test_a_sync_renamed_with_moved_keeps_its_schedule_from_its_last_run(
        state: StateStore, monkeypatch: pytest.MonkeyPatch) -> None:
    # Ran yesterday as "board"; today's 02:00 was missed; renamed to "trustees" at 10:00.
    state.log_sync_run(SyncRunLogEntry("run-1", "id-board", "data_syncs.board",
                                       utc(2026, 1, 5, 2).isoformat(), None, SUCCEEDED, {}))
    renamed = ResourceRecord("data_syncs.trustees", "data_syncs", "trustees", "id-board",
                             updated_at=utc(2026, 1, 6, 10).isoformat(timespec="seconds"))
    monkeypatch.setattr(clock, "now", lambda: utc(2026, 1, 6, 12))
    # The missed 02:00 is due at once, as it would have been under its old NAME.
    assert due_now(state, renamed, sync("trustees"), UTC)
    # A different Data Sync (another id) that once had this NAME does not count.
    other = ResourceRecord("data_syncs.trustees", "data_syncs", "trustees", "id-new",
                           updated_at=utc(2026, 1, 6, 10).isoformat(timespec="seconds"))
    assert not due_now(state, other, sync("trustees"), UTC)
