"""How Prospect2's integration kinds hold Tessitura reference data in live fields.

Prospect2 stores Tessitura ids (``activityTypeId: 10``); manifests name the row by its
description or ``{id: N}``. Desired and live must compare, and ``list()`` cannot see the
Tessitura tables (handlers list before the planner resolves anything), so a reference is held
as ``{"id": N}`` on both sides unless the handler was given a reader of the tables: then it is
the row's canonical description (``{"id": N}`` only when two rows share it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from engine.kinds import FieldProblem, ReferenceContext, ReferenceRow
from engine.references import match_reference

#: Reads one reference table by name (``"tessitura.lists"``), e.g. ``Session.reference``.
ReferenceReader = Callable[[str], Awaitable[list[ReferenceRow]]]


def canonical(row: ReferenceRow, rows: Sequence[ReferenceRow]) -> str | dict[str, Any]:
    """The row's description, or ``{"id": N}`` when another row is described the same."""
    same = [r for r in rows if r.description.casefold() == row.description.casefold()]
    return row.description if len(same) == 1 else {"id": row.id}


def describe(value: Any) -> str:
    """A reference value for a sentence: ``'Members - Current'`` or ``id 101``."""
    if isinstance(value, dict) and "id" in value:
        return f"id {value['id']}"
    return repr(value)


class ReferenceVocabulary:
    """Translates between wire ids, live field values and manifest references."""

    def __init__(self, reader: ReferenceReader | None = None) -> None:
        self.reader = reader

    def value(self, row: ReferenceRow, rows: Sequence[ReferenceRow]) -> Any:
        """What a live (and resolved desired) field holds for ``row``."""
        return canonical(row, rows) if self.reader is not None else {"id": row.id}

    async def from_wire(self, table: str, wire_id: Any) -> Any:
        """The live field value for a wire id (None stays None)."""
        if wire_id is None:
            return None
        if self.reader is None:
            return {"id": wire_id}
        rows = await self.reader(table)
        row = next((r for r in rows if str(r.id) == str(wire_id)), None)
        return self.value(row, rows) if row is not None else {"id": wire_id}

    async def resolve(self, value: Any, refs: ReferenceContext, table: str, *, field: str,
                      what: str, ui_form: bool = False) -> tuple[ReferenceRow, Any]:
        """The row a manifest reference names (FieldProblem if none) and its live value."""
        rows = await refs.reference(table)
        row = match_reference(value, rows, field=field, what=what, ui_form=ui_form)
        return row, self.value(row, rows)


async def wire_id(value: Any, refs: ReferenceContext, table: str, *, field: str,
                  what: str) -> Any:
    """The id to send for a live/desired reference value, looked up in fresh rows."""
    rows = await refs.reference(table)
    return match_reference(value, rows, field=field, what=what).id


async def wire_ids(values: Sequence[Any], refs: ReferenceContext, table: str, *, field: str,
                   what: str) -> list[Any]:
    return [await wire_id(v, refs, table, field=f"{field}.{i}", what=what)
            for i, v in enumerate(values)]


def lenient_match(value: Any, rows: Sequence[ReferenceRow]) -> ReferenceRow | None:
    """The row ``value`` names, or None (for look-ups another kind already validated)."""
    try:
        return match_reference(value, rows, field="", what="row")
    except FieldProblem:
        return None
