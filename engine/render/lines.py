"""A change as diff lines: shared by the text and markdown renderers."""

from __future__ import annotations

from dataclasses import dataclass

from engine.plan.model import Change
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
        diffs = change.diffs
        width = max((len(d.field) for d in diffs), default=0)
        for d in diffs:
            old = show(mask({d.field: d.before}, secret)[d.field])  # type: ignore[index]
            new = show(mask({d.field: d.after}, secret)[d.field])  # type: ignore[index]
            forces = "  # forces replacement" if d.field == change.replace_reason else ""
            lines.append(Line("~", f"    {d.field.ljust(width)} = {old} -> {new}{forces}"))
    for note in change.notes:
        lines.append(Line("", f"    note: {note}"))
    if change.impact:
        lines.append(Line("", f"    impact: {change.impact}"))
    return lines
