"""When a Data Sync runs: the manifest's schedule forms and Prospect2's wire shape.

Seed 003 offers Daily, Weekly, Monthly, Multiple Times Daily (as often as every 15 minutes,
from a start time) and Custom (a list of times). The manifest spells each as a one-key
mapping (``{daily: "02:00"}``, ``{every: {minutes: 15, from: "06:00"}}``…) so a schedule
reads as a sentence; the wire uses ``{frequency, time, weekday, monthday, everyMinutes,
times}``. Pure data: no clock, no I/O.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_serializer,
    model_validator,
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Seed 003: "as frequent as every 15 minutes".
MIN_EVERY_MINUTES = 15
MINUTES_PER_DAY = 24 * 60
FORMS = ("daily", "weekly", "monthly", "every", "times")

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def clock_time(value: Any) -> str:
    """A time of day as ``HH:MM`` (24-hour); ``6:00`` is accepted and written ``06:00``."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"write times of day in quotes as \"HH:MM\" (YAML read {value!r} as "
                         "a number)")
    found = _CLOCK.match(value.strip()) if isinstance(value, str) else None
    if found is None or int(found.group(1)) > 23 or int(found.group(2)) > 59:
        raise ValueError(f"{value!r} is not a time of day: use HH:MM on a 24-hour clock, "
                         "e.g. \"02:00\" or \"18:30\"")
    return f"{int(found.group(1)):02d}:{found.group(2)}"


ClockTime = Annotated[str, BeforeValidator(clock_time)]


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class WeeklyAt(_Form):
    """``{day: monday, at: "02:00"}``."""

    day: str
    at: ClockTime

    @field_validator("day", mode="before")
    @classmethod
    def _weekday(cls, value: Any) -> str:
        day = value.strip().lower() if isinstance(value, str) else ""
        if day not in WEEKDAYS:
            raise ValueError(f"{value!r} is not a day of the week: use one of "
                             f"{', '.join(WEEKDAYS)}")
        return day


class MonthlyAt(_Form):
    """``{day: 1..31, at: "01:00"}``; day 31 runs on the last day of shorter months."""

    day: int
    at: ClockTime

    @field_validator("day", mode="before")
    @classmethod
    def _monthday(cls, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 31:
            raise ValueError(f"a monthly schedule runs on a day from 1 to 31 (31 means the last "
                             f"day of the month), not {value!r}")
        return value


class EveryAt(_Form):
    """``{minutes: N, from: "06:00"}``: Multiple Times Daily, starting at ``from``."""

    minutes: int
    start: ClockTime = Field(alias="from")

    @field_validator("minutes", mode="before")
    @classmethod
    def _often_enough(cls, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"minutes must be a whole number of minutes, not {value!r}")
        if value < MIN_EVERY_MINUTES:
            raise ValueError(f"a Data Sync can run at most every {MIN_EVERY_MINUTES} minutes, "
                             f"not every {value}")
        if value > MINUTES_PER_DAY:
            raise ValueError(f"every {value} minutes is less than once a day: use daily")
        return value


class Schedule(_Form):
    """Exactly one of the five forms; dumps to that one form only."""

    daily: ClockTime | None = None
    weekly: WeeklyAt | None = None
    monthly: MonthlyAt | None = None
    every: EveryAt | None = None
    times: list[ClockTime] | None = None

    @field_validator("times")
    @classmethod
    def _distinct_times(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("times needs at least one time of day, e.g. [\"06:00\", \"12:30\"]")
        repeated = sorted({t for t in value if value.count(t) > 1})
        if repeated:
            raise ValueError(f"times lists {', '.join(repeated)} more than once")
        return sorted(value)

    @model_validator(mode="after")
    def _one_form(self) -> Schedule:
        given = [name for name in FORMS if getattr(self, name) is not None]
        if len(given) != 1:
            found = " and ".join(given) if given else "none"
            raise ValueError("a schedule is exactly one of daily, weekly, monthly, every or "
                             f"times (found {found}), e.g. {{daily: \"02:00\"}}")
        return self

    @property
    def form(self) -> str:
        return next(name for name in FORMS if getattr(self, name) is not None)

    @model_serializer(mode="plain")
    def _as_manifest(self) -> dict[str, Any]:
        if self.daily is not None:
            return {"daily": self.daily}
        if self.weekly is not None:
            return {"weekly": {"day": self.weekly.day, "at": self.weekly.at}}
        if self.monthly is not None:
            return {"monthly": {"day": self.monthly.day, "at": self.monthly.at}}
        if self.every is not None:
            return {"every": {"minutes": self.every.minutes, "from": self.every.start}}
        return {"times": list(self.times or [])}

    def to_wire(self) -> dict[str, Any]:
        """Prospect2's ``schedule`` object for this form."""
        if self.daily is not None:
            return {"frequency": "daily", "time": self.daily}
        if self.weekly is not None:
            return {"frequency": "weekly", "time": self.weekly.at, "weekday": self.weekly.day}
        if self.monthly is not None:
            return {"frequency": "monthly", "time": self.monthly.at,
                    "monthday": self.monthly.day}
        if self.every is not None:
            return {"frequency": "multi_daily", "time": self.every.start,
                    "everyMinutes": self.every.minutes}
        return {"frequency": "custom", "times": list(self.times or [])}

    @classmethod
    def from_wire(cls, wire: dict[str, Any]) -> Schedule:
        """The manifest form of a wire schedule; ValueError for a frequency we do not know."""
        frequency = wire.get("frequency")
        if frequency == "daily":
            return cls(daily=wire.get("time"))
        if frequency == "weekly":
            return cls(weekly=WeeklyAt(day=wire.get("weekday"), at=wire.get("time")))
        if frequency == "monthly":
            return cls(monthly=MonthlyAt(day=wire.get("monthday"), at=wire.get("time")))
        if frequency == "multi_daily":
            return cls(every=EveryAt(minutes=wire.get("everyMinutes"), start=wire.get("time")))
        if frequency == "custom":
            return cls(times=list(wire.get("times") or []))
        raise ValueError(f"unknown schedule frequency {frequency!r}")
