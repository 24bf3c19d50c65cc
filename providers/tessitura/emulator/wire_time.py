"""Date-times as TessituraService writes and reads them.

Tessitura is a .NET service: it writes offsets and up to seven fractional digits with trailing
zeros trimmed, and accepts 0-7 digits with or without an offset. The emulator does the same so
a client that only handles one shape fails here rather than in production.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_WIRE_PATTERN = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?:\.(?P<fraction>\d{1,7}))?)?"
    r"(?P<offset>Z|[+-]\d{2}:?\d{2})?$"
)


def parse_wire_datetime(text: str) -> datetime:
    """Parse a wire date-time; a value without an offset is taken as UTC (the server's zone)."""
    match = _WIRE_PATTERN.match(text.strip())
    if match is None:
        raise ValueError(f"not a date-time: {text!r}")
    year, month, day = (int(part) for part in match["date"].split("-"))
    fraction = (match["fraction"] or "").ljust(7, "0")
    moment = datetime(
        year,
        month,
        day,
        int(match["hour"] or 0),
        int(match["minute"] or 0),
        int(match["second"] or 0),
        int(fraction[:6]),
        tzinfo=UTC,
    )
    offset = match["offset"]
    if offset and offset != "Z":
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        shift = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        moment = moment - sign * shift
    return moment


def format_wire_datetime(moment: datetime) -> str:
    """Format like .NET's ``yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz`` (fraction trimmed, offset kept)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{moment.microsecond:06d}0".rstrip("0")
    offset = moment.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}"
    return f"{base}.{fraction}{offset}" if fraction else f"{base}{offset}"


def next_version_stamp(now: datetime, previous: str | None) -> str:
    """An ``UpdatedDateTime`` strictly after ``previous``, so optimistic locking always bites.

    The emulator clock stands still between requests; two writes in the same instant must
    still get different stamps or a stale PUT would pass.
    """
    moment = now.astimezone(UTC).replace(microsecond=(now.microsecond // 1000) * 1000)
    if previous is not None:
        earliest = parse_wire_datetime(previous) + timedelta(milliseconds=1)
        moment = max(moment, earliest)
    return format_wire_datetime(moment)
