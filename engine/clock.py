"""Callboard's wall clock, read in one place.

A sync's schedule, its runs and the moment it was created or enabled are compared with each
other (``sync run --due``), so they must come from the same clock; tests that move time move
this one. The services' own clocks (Tessitura's, for audit windows) are the ports' business.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)


def iso_now() -> str:
    """Now as state and logs write it (ISO 8601, seconds)."""
    return now().isoformat(timespec="seconds")
