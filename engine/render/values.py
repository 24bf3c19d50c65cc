"""How values look in every renderer, and the one place secrets are masked."""

from __future__ import annotations

import json
from typing import Any

MASK = "(sensitive)"


def mask(fields: dict[str, Any] | None, secret: list[str] | set[str]) -> dict[str, Any] | None:
    if fields is None:
        return None
    return {k: (MASK if k in secret and v not in (None, "") else v) for k, v in fields.items()}


def show(value: Any) -> str:
    """A value as users write it in YAML-ish text: strings quoted, lists inline."""
    if value is None:
        return "null"
    if isinstance(value, str) and value == MASK:
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def summary_line(counts: dict[str, int]) -> str:
    """Terraform's counts, and adopts; moves (state only) when there are any."""
    moves = f", {counts['move']} to move" if counts.get("move") else ""
    return (f"{counts['create']} to add, {counts['update']} to change, "
            f"{counts['replace']} to replace, {counts['delete']} to destroy, "
            f"{counts['adopt']} to adopt{moves}")


def estimate_line(estimates: dict[str, dict[str, float]]) -> str | None:
    """"prospect2: 12 calls (~2.4 s at its rate limit); tessitura: 3 calls"."""
    if not estimates:
        return None
    parts = []
    for provider, entry in sorted(estimates.items()):
        text = f"{provider}: {int(entry['calls'])} call{'s' if entry['calls'] != 1 else ''}"
        if entry.get("seconds"):
            text += f" (~{entry['seconds']:g} s at its rate limit)"
        parts.append(text)
    return "; ".join(parts)
