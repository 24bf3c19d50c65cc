"""The Data Sync schedule model (seed 003): each form, clear refusals, the wire round trip."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from engine.sync.schedule import Schedule

FORMS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"daily": "02:00"}, {"frequency": "daily", "time": "02:00"}),
    ({"weekly": {"day": "monday", "at": "02:00"}},
     {"frequency": "weekly", "time": "02:00", "weekday": "monday"}),
    ({"monthly": {"day": 31, "at": "01:00"}},
     {"frequency": "monthly", "time": "01:00", "monthday": 31}),
    ({"every": {"minutes": 15, "from": "06:00"}},
     {"frequency": "multi_daily", "time": "06:00", "everyMinutes": 15}),
    ({"times": ["06:00", "12:30"]}, {"frequency": "custom", "times": ["06:00", "12:30"]}),
]


@pytest.mark.parametrize(("manifest", "wire"), FORMS)
def test_each_form_has_its_wire_shape_and_comes_back(manifest: dict, wire: dict) -> None:
    schedule = Schedule.model_validate(manifest)
    assert schedule.model_dump(mode="json") == manifest
    assert schedule.to_wire() == wire
    assert Schedule.from_wire(wire) == schedule


def test_spellings_are_normalized_so_desired_and_live_compare() -> None:
    assert Schedule.model_validate({"daily": "6:05"}).model_dump() == {"daily": "06:05"}
    weekly = Schedule.model_validate({"weekly": {"day": "Friday", "at": "23:30"}})
    assert weekly.to_wire()["weekday"] == "friday"
    times = Schedule.model_validate({"times": ["18:00", "06:00"]})
    assert times.model_dump() == {"times": ["06:00", "18:00"]}


def _refusal(data: dict[str, Any]) -> tuple[tuple, str]:
    with pytest.raises(ValidationError) as info:
        Schedule.model_validate(data)
    errors = info.value.errors()
    assert len(errors) == 1
    return tuple(errors[0]["loc"]), errors[0]["msg"].removeprefix("Value error, ")


@pytest.mark.parametrize(("data", "loc", "message"), [
    ({"every": {"minutes": 14, "from": "06:00"}}, ("every", "minutes"),
     "a Data Sync can run at most every 15 minutes, not every 14"),
    ({"every": {"minutes": 2000, "from": "06:00"}}, ("every", "minutes"),
     "every 2000 minutes is less than once a day: use daily"),
    ({"monthly": {"day": 32, "at": "01:00"}}, ("monthly", "day"),
     "a monthly schedule runs on a day from 1 to 31 (31 means the last day of the month), "
     "not 32"),
    ({"monthly": {"day": 0, "at": "01:00"}}, ("monthly", "day"),
     "a monthly schedule runs on a day from 1 to 31 (31 means the last day of the month), "
     "not 0"),
    ({"monthly": {"day": "5", "at": "01:00"}}, ("monthly", "day"),
     "a monthly schedule runs on a day from 1 to 31 (31 means the last day of the month), "
     "not '5'"),  # quoted in YAML: a string, not taken as the 5th
    ({"weekly": {"day": "funday", "at": "01:00"}}, ("weekly", "day"),
     "'funday' is not a day of the week: use one of monday, tuesday, wednesday, thursday, "
     "friday, saturday, sunday"),
    ({"daily": "24:00"}, ("daily",),
     "'24:00' is not a time of day: use HH:MM on a 24-hour clock, e.g. \"02:00\" or \"18:30\""),
    ({"daily": "2am"}, ("daily",),
     "'2am' is not a time of day: use HH:MM on a 24-hour clock, e.g. \"02:00\" or \"18:30\""),
    ({"daily": 120}, ("daily",),
     "write times of day in quotes as \"HH:MM\" (YAML read 120 as a number)"),
    ({"times": []}, ("times",),
     "times needs at least one time of day, e.g. [\"06:00\", \"12:30\"]"),
    ({"times": ["06:00", "6:00"]}, ("times",), "times lists 06:00 more than once"),
    ({}, (), "a schedule is exactly one of daily, weekly, monthly, every or times (found "
             "none), e.g. {daily: \"02:00\"}"),
])
def test_bad_schedules_say_what_is_wrong(data: dict, loc: tuple, message: str) -> None:
    assert _refusal(data) == (loc, message)


def test_unknown_wire_frequency_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown schedule frequency 'hourly'"):
        Schedule.from_wire({"frequency": "hourly", "time": "01:00"})


clock = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))
schedules = st.one_of(
    st.builds(lambda t: {"daily": t}, clock),
    st.builds(lambda d, t: {"weekly": {"day": d, "at": t}},
              st.sampled_from(["monday", "sunday", "wednesday"]), clock),
    st.builds(lambda d, t: {"monthly": {"day": d, "at": t}}, st.integers(1, 31), clock),
    st.builds(lambda n, t: {"every": {"minutes": n, "from": t}}, st.integers(15, 1440), clock),
    st.builds(lambda ts: {"times": sorted(ts)}, st.sets(clock, min_size=1, max_size=6)),
)


@given(schedules)
def test_every_valid_schedule_survives_the_wire(manifest: dict) -> None:
    schedule = Schedule.model_validate(manifest)
    assert Schedule.from_wire(schedule.to_wire()).model_dump() == manifest


@pytest.mark.parametrize("value", ["02:60", "24:00", "7:5", "noon", "02:00:00"])
def test_a_time_of_day_is_hours_0_to_23_and_minutes_0_to_59(value: str) -> None:
    with pytest.raises(ValidationError, match="is not a time of day"):
        Schedule.model_validate({"daily": value})


def test_the_last_minute_of_the_day_is_a_time_of_day() -> None:
    assert Schedule.model_validate({"daily": "23:59"}).daily == "23:59"
