"""A schedule's parts refused in the manifest's words whatever YAML made of them, and a live
schedule Callboard does not know kept as Prospect2 sent it."""

from __future__ import annotations

import pytest

from engine.sync.schedule import Schedule, clock_time, weekday


@pytest.mark.parametrize("value", [2.5, None, ["02:00"]])
def test_a_time_of_day_that_is_not_text_is_refused_in_words(value: object) -> None:
    with pytest.raises(ValueError, match="is not a time of day: use HH:MM"):
        clock_time(value)


@pytest.mark.parametrize("value", [5, None, ["friday"]])
def test_a_weekday_that_is_not_text_is_refused_in_words(value: object) -> None:
    with pytest.raises(ValueError, match="is not a day of the week: use one of monday"):
        weekday(value)


def test_a_live_schedule_of_a_frequency_callboard_does_not_know_is_kept_as_sent() -> None:
    sent = {"frequency": "hourly", "time": "02:00"}
    unknown = Schedule.from_live(sent)
    assert not unknown.known and unknown.model_dump() == sent
    sent["time"] = "03:00"  # a copy: the live object changing later does not change it
    assert unknown.model_dump() == {"frequency": "hourly", "time": "02:00"}
    known = Schedule.from_live({"frequency": "daily", "time": "2:00"})
    assert known.known and known.model_dump() == {"daily": "02:00"}
