"""When a Data Sync schedule fires and when `sync run --due` runs it (seed 003, issue 5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import CallboardError
from engine.sync.schedule import (
    Schedule,
    is_due,
    next_occurrence,
    occurrences,
    schedule_timezone,
)

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def schedule(form: dict[str, Any]) -> Schedule:
    return Schedule.model_validate(form)


def local_times(instants: list[datetime], tz: ZoneInfo) -> list[str]:
    return [i.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") for i in instants]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_daily_fires_once_a_day_at_its_local_time() -> None:
    fired = occurrences(schedule({"daily": "02:00"}), utc(2026, 1, 10), utc(2026, 1, 13), LONDON)
    assert local_times(fired, LONDON) == ["2026-01-10 02:00 GMT", "2026-01-11 02:00 GMT",
                                          "2026-01-12 02:00 GMT"]
    assert all(i.tzinfo is UTC for i in fired)


def test_weekly_fires_only_on_its_weekday() -> None:
    fired = occurrences(schedule({"weekly": {"day": "monday", "at": "07:15"}}),
                        utc(2026, 3, 1), utc(2026, 3, 31), NEW_YORK)
    assert local_times(fired, NEW_YORK) == ["2026-03-02 07:15 EST", "2026-03-09 07:15 EDT",
                                            "2026-03-16 07:15 EDT", "2026-03-23 07:15 EDT",
                                            "2026-03-30 07:15 EDT"]


def test_monthly_31_runs_on_the_last_day_of_short_months_and_february() -> None:
    fired = occurrences(schedule({"monthly": {"day": 31, "at": "01:00"}}),
                        utc(2026, 1, 1), utc(2026, 7, 1), LONDON)
    assert [i.astimezone(LONDON).date().isoformat() for i in fired] == [
        "2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30"]


def test_monthly_on_a_day_february_lacks_runs_on_the_29th_in_a_leap_year() -> None:
    fired = occurrences(schedule({"monthly": {"day": 30, "at": "01:00"}}),
                        utc(2028, 1, 15), utc(2028, 3, 15), UTC)
    assert [i.date().isoformat() for i in fired] == ["2028-01-30", "2028-02-29"]


def test_every_n_minutes_runs_from_its_start_until_local_midnight() -> None:
    fired = occurrences(schedule({"every": {"minutes": 90, "from": "18:00"}}),
                        utc(2026, 1, 5, 12), utc(2026, 1, 6, 12), LONDON)
    assert local_times(fired, LONDON) == ["2026-01-05 18:00 GMT", "2026-01-05 19:30 GMT",
                                          "2026-01-05 21:00 GMT", "2026-01-05 22:30 GMT"]


def test_custom_times_fire_at_each_listed_time() -> None:
    fired = occurrences(schedule({"times": ["12:30", "06:00"]}),
                        utc(2026, 1, 5), utc(2026, 1, 6), UTC)
    assert local_times(fired, UTC) == ["2026-01-05 06:00 UTC", "2026-01-05 12:30 UTC"]


def test_spring_forward_runs_a_skipped_time_once_an_hour_later() -> None:
    # 2026-03-08: New York clocks jump from 02:00 EST to 03:00 EDT; 02:30 never happens.
    fired = occurrences(schedule({"daily": "02:30"}), utc(2026, 3, 7), utc(2026, 3, 10), NEW_YORK)
    assert local_times(fired, NEW_YORK) == ["2026-03-07 02:30 EST", "2026-03-08 03:30 EDT",
                                            "2026-03-09 02:30 EDT"]


def test_fall_back_runs_a_repeated_time_once_at_its_first_occurrence() -> None:
    # 2026-11-01: New York clocks fall back from 02:00 EDT to 01:00 EST; 01:30 happens twice.
    fired = occurrences(schedule({"daily": "01:30"}), utc(2026, 10, 31), utc(2026, 11, 3),
                        NEW_YORK)
    assert local_times(fired, NEW_YORK) == ["2026-10-31 01:30 EDT", "2026-11-01 01:30 EDT",
                                            "2026-11-02 01:30 EST"]


def test_every_15_minutes_across_spring_forward_does_not_fire_twice_at_one_instant() -> None:
    fired = occurrences(schedule({"every": {"minutes": 15, "from": "01:30"}}),
                        utc(2026, 3, 8, 5), utc(2026, 3, 8, 8, 1), NEW_YORK)
    assert local_times(fired, NEW_YORK) == [
        "2026-03-08 01:30 EST", "2026-03-08 01:45 EST", "2026-03-08 03:00 EDT",
        "2026-03-08 03:15 EDT", "2026-03-08 03:30 EDT", "2026-03-08 03:45 EDT",
        "2026-03-08 04:00 EDT"]


def test_range_is_open_at_start_and_closed_at_end() -> None:
    daily = schedule({"daily": "02:00"})
    assert occurrences(daily, utc(2026, 1, 5, 2), utc(2026, 1, 6, 2), UTC) == [utc(2026, 1, 6, 2)]
    assert occurrences(daily, utc(2026, 1, 6), utc(2026, 1, 5), UTC) == []


def test_due_once_the_scheduled_time_has_passed_since_the_last_run() -> None:
    daily = schedule({"daily": "02:00"})
    last_run = utc(2026, 1, 5, 2, 1)
    assert not is_due(daily, last_run, utc(2026, 1, 6, 1, 55), UTC)
    assert is_due(daily, last_run, utc(2026, 1, 6, 2, 0), UTC)
    assert is_due(daily, last_run, utc(2026, 1, 6, 2, 5), UTC)


def test_missed_runs_coalesce_and_an_old_last_run_is_simply_due() -> None:
    every = schedule({"every": {"minutes": 15, "from": "00:00"}})
    assert is_due(every, utc(2026, 1, 5, 9), utc(2026, 1, 5, 12), UTC)
    assert is_due(schedule({"monthly": {"day": 1, "at": "01:00"}}), utc(2024, 6, 1),
                  utc(2026, 1, 5), UTC)


def test_a_cron_every_5_minutes_runs_a_daily_sync_exactly_once_a_day() -> None:
    daily = schedule({"daily": "02:30"})
    last_run: datetime | None = utc(2026, 3, 6, 8)
    runs: list[datetime] = []
    now = utc(2026, 3, 6, 8)
    while now < utc(2026, 3, 11):
        now += timedelta(minutes=5)
        if is_due(daily, last_run, now, NEW_YORK):
            runs.append(now)
            last_run = now
    assert local_times(runs, NEW_YORK) == ["2026-03-07 02:30 EST", "2026-03-08 03:30 EDT",
                                           "2026-03-09 02:30 EDT", "2026-03-10 02:30 EDT"]


def test_never_run_sync_catches_up_on_a_time_in_the_last_24_hours() -> None:
    daily = schedule({"daily": "02:00"})
    assert is_due(daily, None, utc(2026, 1, 5, 10), UTC)
    weekly = schedule({"weekly": {"day": "monday", "at": "02:00"}})  # 2026-01-05 is a Monday
    assert not is_due(weekly, None, utc(2026, 1, 7, 10), UTC)
    assert is_due(weekly, None, utc(2026, 1, 12, 2), UTC)


def test_never_run_sync_created_after_todays_time_waits_for_the_next_one() -> None:
    daily = schedule({"daily": "02:00"})
    created = utc(2026, 1, 5, 10)
    assert not is_due(daily, None, utc(2026, 1, 5, 10, 5), UTC, since=created)
    assert is_due(daily, None, utc(2026, 1, 6, 2), UTC, since=created)


def test_naive_datetimes_are_refused_rather_than_guessed() -> None:
    daily = schedule({"daily": "02:00"})
    with pytest.raises(ValueError, match="now must be a timezone-aware datetime"):
        is_due(daily, None, datetime(2026, 1, 5), UTC)
    for naive in ("start", "end"):
        window = {"start": utc(2026, 1, 5), "end": utc(2026, 1, 6), naive: datetime(2026, 1, 5)}
        with pytest.raises(ValueError) as refused:
            occurrences(daily, window["start"], window["end"], UTC)
        assert str(refused.value) == (f"{naive} must be a timezone-aware datetime, not "
                                      "datetime.datetime(2026, 1, 5, 0, 0)")


def test_an_empty_window_holds_no_occurrence() -> None:
    at_two = utc(2026, 1, 5, 2)
    assert occurrences(schedule({"daily": "02:00"}), at_two, at_two, UTC) == []


def test_next_occurrence_is_the_first_instant_after() -> None:
    monthly = schedule({"monthly": {"day": 31, "at": "01:00"}})
    assert next_occurrence(monthly, utc(2026, 4, 1), UTC) == utc(2026, 4, 30, 1)
    # In the organization's zone: 02:00 in New York is 07:00 UTC in January.
    assert next_occurrence(schedule({"daily": "02:00"}), utc(2026, 1, 5, 3),
                           NEW_YORK) == utc(2026, 1, 5, 7)


@pytest.mark.parametrize(("machine", "organization", "start", "wall", "first"), [
    # Kiritimati (UTC+14) is already two dates past the organization's UTC-12 evening.
    ("Pacific/Kiritimati", "Etc/GMT+12", utc(2026, 1, 5, 11), "23:30", utc(2026, 1, 5, 11, 30)),
    # And Baker Island time (UTC-12) is two dates behind a Kiritimati night just begun.
    ("Etc/GMT+12", "Pacific/Kiritimati", utc(2026, 1, 5, 9), "00:30", utc(2026, 1, 5, 10, 30)),
])
def test_the_machines_own_time_zone_never_moves_a_schedule(
        machine_zone: Callable[[str], None], machine: str, organization: str, start: datetime,
        wall: str, first: datetime) -> None:
    machine_zone(machine)
    daily = schedule({"daily": wall})
    end = start + timedelta(hours=2)
    assert occurrences(daily, start, end, ZoneInfo(organization)) == [first]


def test_organization_timezone_defaults_to_utc_and_refuses_unknown_names() -> None:
    assert schedule_timezone(None) == ZoneInfo("UTC")
    assert schedule_timezone("America/New_York") == NEW_YORK
    with pytest.raises(CallboardError) as refused:
        schedule_timezone("Mars/Olympus")
    assert str(refused.value) == ("organization.timezone 'Mars/Olympus' is not an IANA time "
                                  "zone name: use e.g. \"Europe/London\" or \"America/New_York\"")


FORMS = st.one_of(
    st.builds(lambda h, m: {"daily": f"{h:02d}:{m:02d}"}, st.integers(0, 23), st.integers(0, 59)),
    st.builds(lambda d, h: {"monthly": {"day": d, "at": f"{h:02d}:30"}},
              st.integers(1, 31), st.integers(0, 23)),
    st.builds(lambda n, h: {"every": {"minutes": n, "from": f"{h:02d}:00"}},
              st.integers(15, 240), st.integers(0, 23)),
)


@settings(max_examples=60, deadline=None)
@given(form=FORMS, zone=st.sampled_from(["America/New_York", "Europe/London",
                                         "Australia/Lord_Howe", "UTC"]),
       start_hours=st.integers(0, 24 * 800), span_hours=st.integers(1, 24 * 40))
def test_due_matches_occurrences_and_splitting_a_window_loses_nothing(
        form: dict[str, Any], zone: str, start_hours: int, span_hours: int) -> None:
    tz, sched = ZoneInfo(zone), schedule(form)
    start = utc(2025, 1, 1) + timedelta(hours=start_hours)
    middle, end = start + timedelta(hours=span_hours / 2), start + timedelta(hours=span_hours)
    whole = occurrences(sched, start, end, tz)
    assert whole == occurrences(sched, start, middle, tz) + occurrences(sched, middle, end, tz)
    assert is_due(sched, start, end, tz) == bool(whole)
    assert len(set(whole)) == len(whole)
