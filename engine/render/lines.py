"""A change as diff lines: shared by the text and markdown renderers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.plan.model import Change
from engine.render.values import mask, show

HEADLINES = {
    "create": "will be created",
    "update": "will be updated in place",
    "replace": "must be replaced",
    "delete": "will be destroyed",
    "adopt": "exists already and will be managed by Callboard",
}


@dataclass(frozen=True)
class Line:
    symbol: str  # "+", "-", "~", "-/+", "+/-", "<=", "" (context)
    text: str


def headline(change: Change) -> str:
    text = f"# {change.address} {HEADLINES[change.action]}"
    if change.replace_reason:
        text += f" ({change.replace_reason} forces replacement)"
    return text


def change_lines(change: Change, secret: list[str]) -> list[Line]:
    before = mask(change.before, secret) or {}
    after = mask(change.after, secret) or {}
    lines: list[Line] = []
    ident = f"{change.address}" + (f"  (id {change.remote_id})" if change.remote_id else "")
    lines.append(Line(change.symbol, ident))
    if change.action == "create":
        width = max((len(k) for k in after), default=0)
        lines += [Line("+", f"    {k.ljust(width)} = {show(v)}") for k, v in after.items()]
    elif change.action == "delete":
        width = max((len(k) for k in before), default=0)
        lines += [Line("-", f"    {k.ljust(width)} = {show(v)}") for k, v in before.items()]
    else:
        diffs = change.diffs
        width = max((len(d.field) for d in diffs), default=0)
        for d in diffs:
            old = show(mask({d.field: d.before}, secret)[d.field])  # type: ignore[index]
            new = show(mask({d.field: d.after}, secret)[d.field])  # type: ignore[index]
            forces = "  # forces replacement" if d.field == change.replace_reason else ""
            items = list_change(d.before, d.after) if d.field not in secret else None
            comment = forces or (f"  # {items}" if items else "")
            lines.append(Line("~", f"    {d.field.ljust(width)} = {old} -> {new}{comment}"))
    for note in change.notes:
        lines.append(Line("", f"    note: {note}"))
    if change.impact:
        lines.append(Line("", f"    impact: {change.impact}"))
    return lines


def list_change(before: Any, after: Any) -> str | None:
    """What changed between two lists, in words (``adds "C"; removes "B"; reorders``), so
    a long list's change reads at a glance (a custom field's options, a sync's notify)."""
    if not isinstance(before, list) or not isinstance(after, list):
        return None
    added = [item for item in after if item not in before]
    removed = [item for item in before if item not in after]
    kept_before = [item for item in before if item in after]
    kept_after = [item for item in after if item in before]
    parts = []
    if added:
        parts.append("adds " + ", ".join(show(item) for item in added))
    if removed:
        parts.append("removes " + ", ".join(show(item) for item in removed))
    if kept_before != kept_after:
        parts.append("reorders")
    return "; ".join(parts) or None
