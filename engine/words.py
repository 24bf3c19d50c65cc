"""Counting words: "1 resource in 1 file", "2 resources in 3 files"."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``count`` and ``noun``, in the plural (``many``, or ``noun`` + "s") unless it is 1."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"


def verb(count: int, one: str, many: str) -> str:
    """The verb that agrees with ``count`` ("is"/"are", "matches"/"match")."""
    return one if count == 1 else many
