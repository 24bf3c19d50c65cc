"""When a Data Sync runs: the manifest's schedule forms and Prospect2's wire shape.

Seed 003 offers Daily, Weekly, Monthly, Multiple Times Daily (as often as every 15 minutes,
from a start time) and Custom (a list of times). The manifest spells each as a one-key
mapping (``{daily: "02:00"}``, ``{every: {minutes: 15, from: "06:00"}}``…) so a schedule
reads as a sentence; the wire uses ``{frequency, time, weekday, monthday, everyMinutes,
times}``. Pure logic: the clock comes in as an argument, so ``sync run --due`` is testable.

When a schedule fires (``occurrences``, ``is_due``), in the organization's time zone:

- a wall time the clock skips (02:30 on a spring-forward day) fires once, at the same distance
  past the jump (03:30 local), because a daily sync that silently skips a day surprises more
  than one that runs an hour late;
- a wall time the clock repeats (01:30 on a fall-back day) fires once, at its first occurrence;
- ``monthly`` on a day the month lacks (31, or 29/30 in February) fires on the month's last day;
- ``every`` fires at ``from``, ``from`` + N, … up to midnight on the local wall clock.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_serializer,
    model_validator,
)

from engine.errors import CallboardError

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


def weekday(value: Any) -> str:
    """A day of the week, any case: ``Friday`` is ``friday``."""
    day = value.strip().lower() if isinstance(value, str) else ""
    if day not in WEEKDAYS:
        raise ValueError(f"{value!r} is not a day of the week: use one of {', '.join(WEEKDAYS)}")
    return day


def month_day(value: Any) -> int:
    """A day of the month, 1 to 31 (31 means the last day of shorter months)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 31:
        raise ValueError(f"a monthly schedule runs on a day from 1 to 31 (31 means the last "
                         f"day of the month), not {value!r}")
    return value


ClockTime = Annotated[str, BeforeValidator(clock_time)]
Weekday = Annotated[str, BeforeValidator(weekday)]
MonthDay = Annotated[int, BeforeValidator(month_day)]


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class WeeklyAt(_Form):
    """``{day: monday, at: "02:00"}``."""

    day: Weekday
    at: ClockTime


class MonthlyAt(_Form):
    """``{day: 1..31, at: "01:00"}``; day 31 runs on the last day of shorter months."""

    day: MonthDay
    at: ClockTime


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
    """Exactly one of the five forms; dumps to that one form only.

    A live sync whose frequency Callboard does not know is still described (``from_live``):
    such a schedule is not ``known``, is never due, and shows as Prospect2 spells it.
    """

    daily: ClockTime | None = None
    weekly: WeeklyAt | None = None
    monthly: MonthlyAt | None = None
    every: EveryAt | None = None
    times: list[ClockTime] | None = None
    _as_sent: dict[str, Any] | None = PrivateAttr(default=None)

    @classmethod
    def from_live(cls, wire: dict[str, Any]) -> Schedule:
        """The wire schedule in manifest form, or an unknown one kept as it was sent."""
        try:
            return cls.from_wire(wire)
        except ValueError:
            unknown = cls.model_construct()
            unknown._as_sent = dict(wire)
            return unknown

    @property
    def known(self) -> bool:
        return self._as_sent is None

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
        if self._as_sent is not None:
            return self._as_sent
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


#: A sync that has never run looks back this far for a scheduled time it should catch up on.
NEVER_RUN_LOOKBACK = timedelta(hours=24)
#: Every schedule fires at least once in any window this long (monthly gaps are at most 31
#: days, plus an hour of DST), so ``is_due`` never scans further back than this.
LONGEST_GAP = timedelta(days=32)


def schedule_timezone(name: str | None) -> ZoneInfo:
    """``organization.timezone`` as a ZoneInfo (default UTC), refusing a name that is not IANA."""
    if name is None or not name.strip():
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise CallboardError(
            f"organization.timezone {name!r} is not an IANA time zone name: use e.g. "
            "\"Europe/London\" or \"America/New_York\"") from None


def occurrences(schedule: Schedule, start: datetime, end: datetime,
                tz: tzinfo) -> list[datetime]:
    """Every instant the schedule fires in ``(start, end]``, ascending, as aware UTC datetimes."""
    _require_aware(start=start, end=end)
    if end <= start:
        return []
    day = start.astimezone(tz).date() - timedelta(days=1)
    last_day = end.astimezone(tz).date() + timedelta(days=1)
    found: set[datetime] = set()
    while day <= last_day:
        for wall in _wall_times(schedule, day):
            instant = _local_instant(day, wall, tz)
            if start < instant <= end:
                found.add(instant)
        day += timedelta(days=1)
    return sorted(found)


def is_due(schedule: Schedule, last_run: datetime | None, now: datetime, tz: tzinfo, *,
           since: datetime | None = None) -> bool:
    """Whether ``sync run --due`` (a cron every few minutes) should run this sync now.

    Due when the schedule fired in ``(last_run, now]``; however many times it fired, that is
    one run (missed runs coalesce). A sync that has never run (``last_run`` None) is due when
    the schedule fired in the last 24 hours, but not before ``since`` when given (when the sync
    was created), so a new daily 02:00 sync created at 10:00 waits for 02:00 tomorrow.
    """
    _require_aware(now=now)
    if last_run is None:
        window_start = now - NEVER_RUN_LOOKBACK
        if since is not None:
            _require_aware(since=since)
            window_start = max(window_start, since)
    else:
        _require_aware(last_run=last_run)
        window_start = max(last_run, now - LONGEST_GAP)
    return bool(occurrences(schedule, window_start, now, tz))


def next_occurrence(schedule: Schedule, after: datetime, tz: tzinfo) -> datetime:
    """The first instant the schedule fires after ``after`` (for "next run at" in listings)."""
    found = occurrences(schedule, after, after + LONGEST_GAP, tz)
    return found[0]


def _require_aware(**moments: datetime) -> None:
    for name, moment in moments.items():
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{name} must be a timezone-aware datetime, not {moment!r}")


def _wall_times(schedule: Schedule, day: date) -> list[time]:
    """The local times of day the schedule fires on ``day`` (wall clock, before DST)."""
    if schedule.daily is not None:
        return [_parse_clock(schedule.daily)]
    if schedule.weekly is not None:
        wanted = WEEKDAYS.index(schedule.weekly.day)
        return [_parse_clock(schedule.weekly.at)] if day.weekday() == wanted else []
    if schedule.monthly is not None:
        last = calendar.monthrange(day.year, day.month)[1]
        fires_on = min(schedule.monthly.day, last)
        return [_parse_clock(schedule.monthly.at)] if day.day == fires_on else []
    if schedule.every is not None:
        first = _parse_clock(schedule.every.start)
        minute = first.hour * 60 + first.minute
        return [time(m // 60, m % 60)
                for m in range(minute, MINUTES_PER_DAY, schedule.every.minutes)]
    return [_parse_clock(value) for value in schedule.times or []]


def _parse_clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _local_instant(day: date, wall: time, tz: tzinfo) -> datetime:
    """The UTC instant of a local wall time; PEP 495 ``fold=0`` gives the module's DST rules.

    For a skipped time, fold 0 reads it with the offset before the jump (02:30 EST is 03:30
    EDT); for a repeated time, fold 0 is the first of the two.
    """
    local = datetime.combine(day, wall, tzinfo=tz).replace(fold=0)
    return local.astimezone(UTC)
