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
    return (f"{counts['create']} to add, {counts['update']} to change, "
            f"{counts['replace']} to replace, {counts['delete']} to destroy, "
            f"{counts['adopt']} to adopt")
