"""When Prospect2's own scheduler runs a Data Sync (the emulator's reading of seed 003).

Prospect2 keeps schedules in its account's time (the emulator's account is on UTC) and its
runner picks work up on 5-minute intervals ("1:00, 1:05, 1:10, etc"), so a sync set for 02:03
runs at 02:05. Monthly on a day the month lacks runs on the month's last day; Multiple Times
Daily runs from its start time every N minutes until midnight.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

PICKUP_MINUTES = 5
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MINUTES_PER_DAY = 24 * 60


def _minute(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _minutes_on(schedule: dict[str, Any], day: date) -> list[int]:
    """Minutes after midnight the schedule names for ``day`` (before pickup rounding)."""
    frequency = schedule.get("frequency")
    if frequency == "custom":
        return [_minute(t) for t in schedule.get("times") or []]
    at = _minute(schedule["time"])
    if frequency == "daily":
        return [at]
    if frequency == "weekly":
        return [at] if WEEKDAYS[day.weekday()] == schedule.get("weekday") else []
    if frequency == "monthly":
        last = calendar.monthrange(day.year, day.month)[1]
        return [at] if day.day == min(int(schedule["monthday"]), last) else []
    if frequency == "multi_daily":
        return list(range(at, MINUTES_PER_DAY, int(schedule["everyMinutes"])))
    return []


def due_times(schedule: dict[str, Any], start: datetime, end: datetime) -> list[datetime]:
    """Every moment in ``(start, end]`` at which Prospect2 runs a sync with ``schedule``."""
    if end <= start:
        return []
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    found: set[datetime] = set()
    day = start.date() - timedelta(days=1)  # 23:58 rounds up into the next day
    while day <= end.date():
        midnight = datetime.combine(day, time(), UTC)
        for minute in _minutes_on(schedule, day):
            picked_up = -(-minute // PICKUP_MINUTES) * PICKUP_MINUTES
            moment = midnight + timedelta(minutes=picked_up)
            if start < moment <= end:
                found.add(moment)
        day += timedelta(days=1)
    return sorted(found)
