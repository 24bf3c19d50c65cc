"""When the emulated Prospect2 scheduler runs a sync (seed 003's frequencies, 5-minute pickup)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.prospect2.emulator.data_sync_schedule import due_times

START = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)  # a Tuesday


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("schedule", "end", "expected"), [
    ({"frequency": "daily", "time": "02:00"}, "2026-09-03T02:00",
     ["2026-09-02T02:00", "2026-09-03T02:00"]),
    ({"frequency": "daily", "time": "02:03"}, "2026-09-02T12:00", ["2026-09-02T02:05"]),
    ({"frequency": "daily", "time": "23:58"}, "2026-09-02T12:00", ["2026-09-02T00:00"]),
    ({"frequency": "weekly", "time": "06:00", "weekday": "monday"}, "2026-09-20T00:00",
     ["2026-09-07T06:00", "2026-09-14T06:00"]),
    ({"frequency": "monthly", "time": "01:00", "monthday": 31}, "2026-12-01T00:00",
     ["2026-09-30T01:00", "2026-10-31T01:00", "2026-11-30T01:00"]),
    ({"frequency": "multi_daily", "time": "21:00", "everyMinutes": 60}, "2026-09-01T23:59",
     ["2026-09-01T21:00", "2026-09-01T22:00", "2026-09-01T23:00"]),
    ({"frequency": "custom", "times": ["06:00", "12:30"]}, "2026-09-02T12:30",
     ["2026-09-01T12:30", "2026-09-02T06:00", "2026-09-02T12:30"]),
])
def test_due_times_follow_each_frequency(schedule: dict, end: str, expected: list[str]) -> None:
    assert due_times(schedule, START, at(end)) == [at(moment) for moment in expected]


def test_nothing_is_due_when_the_clock_stands_still_or_goes_back() -> None:
    daily = {"frequency": "daily", "time": "02:00"}
    assert due_times(daily, START, START) == []
    assert due_times(daily, START, START - timedelta(days=3)) == []


@given(st.integers(0, 23), st.integers(0, 59), st.integers(1, 20 * 24 * 60),
       st.integers(1, 20 * 24 * 60))
def test_consecutive_windows_split_the_runs_exactly(hour: int, minute: int, first: int,
                                                    second: int) -> None:
    """Advancing twice runs what advancing once over the same span would, each run once."""
    daily = {"frequency": "daily", "time": f"{hour:02d}:{minute:02d}"}
    middle = START + timedelta(minutes=first)
    end = middle + timedelta(minutes=second)
    split = due_times(daily, START, middle) + due_times(daily, middle, end)
    assert split == due_times(daily, START, end)
    assert all(moment.minute % 5 == 0 for moment in split)
    days = (end - START).total_seconds() / 86_400
    assert days - 1 <= len(split) <= days + 1
