"""A change as diff lines: shared by the text and markdown renderers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.plan.model import Change, FieldDiff
from engine.render.values import mask, show

HEADLINES = {
    "create": "will be created",
    "update": "will be updated in place",
    "replace": "must be replaced",
    "delete": "will be destroyed",
    "adopt": "exists already and will be managed by Callboard",
    "move": "has moved (only its state entry changes; no API call)",
}


@dataclass(frozen=True)
class Line:
    symbol: str  # "+", "-", "~", "-/+", "+/-", "<=", "=>", "" (context)
    text: str


def headline(change: Change) -> str:
    text = f"# {change.address} {HEADLINES[change.action]}"
    if change.replace_reason:
        text += f" ({change.replace_reason} forces replacement)"
    if change.moved_from and change.action != "move":
        text += f" (moved from {change.moved_from})"
    return text


def subject(change: Change) -> str:
    """The address, as ``tags.vip -> tags.very-important (moved)`` for a renamed one."""
    if change.moved_from:
        return f"{change.moved_from} -> {change.address} (moved)"
    return change.address


def change_lines(change: Change, secret: list[str]) -> list[Line]:
    before = mask(change.before, secret) or {}
    after = mask(change.after, secret) or {}
    lines: list[Line] = []
    ident = subject(change) + (f"  (id {change.remote_id})" if change.remote_id else "")
    lines.append(Line(change.symbol, ident))
    if change.action == "create":
        width = max((len(k) for k in after), default=0)
        lines += [Line("+", f"    {k.ljust(width)} = {show(v)}") for k, v in after.items()]
    elif change.action == "delete":
        width = max((len(k) for k in before), default=0)
        lines += [Line("-", f"    {k.ljust(width)} = {show(v)}") for k, v in before.items()]
    else:
        width = max((len(d.field) for d in change.diffs), default=0)
        lines += [_diff_line(change, d, width, secret) for d in change.diffs]
    for note in change.notes:
        lines.append(Line("", f"    note: {note}"))
    if change.impact:
        lines.append(Line("", f"    impact: {change.impact}"))
    return lines


def _diff_line(change: Change, diff: FieldDiff, width: int, secret: list[str]) -> Line:
    old = show(mask({diff.field: diff.before}, secret)[diff.field])  # type: ignore[index]
    new = show(mask({diff.field: diff.after}, secret)[diff.field])  # type: ignore[index]
    if diff.field == change.replace_reason:
        comment = "  # forces replacement"
    else:
        items = None if diff.field in secret else list_change(diff.before, diff.after)
        comment = f"  # {items}" if items else ""
    return Line("~", f"    {diff.field.ljust(width)} = {old} -> {new}{comment}")


def list_change(before: Any, after: Any) -> str | None:
    """What changed between two lists, in words (``adds "C"; removes "B"; reorders``), so
    a long list's change reads at a glance (a custom field's options, a sync's notify)."""
    if not isinstance(before, list) or not isinstance(after, list):
        return None
    parts = [f"{verb} {', '.join(show(item) for item in items)}"
             for verb, items in (("adds", _missing(after, before)),
                                 ("removes", _missing(before, after))) if items]
    if _shared(before, after) != _shared(after, before):
        parts.append("reorders")
    return "; ".join(parts) or None


def _missing(items: list[Any], other: list[Any]) -> list[Any]:
    return [item for item in items if item not in other]


def _shared(items: list[Any], other: list[Any]) -> list[Any]:
    return [item for item in items if item in other]
