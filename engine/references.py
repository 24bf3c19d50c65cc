"""References to another service's data: ``Ref(table, id, label)``, compared by id, shown by label.

Manifests name Tessitura reference data (an activity type, an appeal, a list…) by its
description or as ``{id: N}``; a few also accept the UI's ``"7: E-mail"`` form. A kind's model
declares such a field as ``Annotated[Ref, ReferenceTo("tessitura.lists")]``: the manifest's
words become a ``Ref`` without an id, planning resolves it against the table's rows (missing
or ambiguous values fail with the candidates), and a handler reads the id straight from it
when it writes. Live objects hold ``Ref``s made from wire ids. Everywhere a value is shown
(plans, state, messages) a ``Ref`` is its row's description, or ``{id: N}`` when that
description is not unique.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel
from pydantic_core import core_schema

from engine.kinds import FieldProblem, ReferenceRow

UI_FORM = re.compile(r"^\s*(\d+)\s*:\s*(.+?)\s*$")
#: Reads one reference table by name (``"tessitura.lists"``), e.g. ``Session.reference``.
ReferenceReader = Callable[[str], Awaitable[list[ReferenceRow]]]


@dataclass(frozen=True, eq=False)
class Ref:
    """One row of a reference table. ``id`` is None until planning resolves the manifest's
    words (or, for an object the same apply creates, until apply looks it up); ``label`` is
    the row's description, None when another row shares it or the table was not read."""

    table: str
    id: Any = None
    label: str | None = None

    @classmethod
    def of_row(cls, table: str, row: ReferenceRow, rows: Sequence[ReferenceRow], *,
               fold_case: bool = True) -> Ref:
        """The row, labelled by its description when no other row is described the same."""
        def same(other: ReferenceRow) -> bool:
            if fold_case:
                return other.description.casefold() == row.description.casefold()
            return other.description == row.description
        unique = sum(1 for other in rows if same(other)) == 1
        return cls(table, row.id, row.description if unique else None)

    @property
    def shown(self) -> str | dict[str, Any]:
        """How plans, state and generated manifests write it: the label, or ``{id: N}``."""
        return self.label if self.label is not None else {"id": self.id}

    def describe(self) -> str:
        """For a sentence: ``'Members - Current'`` or ``id 101``."""
        return repr(self.label) if self.label is not None else f"id {self.id}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ref):
            return NotImplemented
        if self.table != other.table:
            return False
        if self.id is not None and other.id is not None:
            return str(self.id) == str(other.id)
        return (self.label is not None and other.label is not None
                and self.label.casefold() == other.label.casefold())

    def __hash__(self) -> int:
        return hash(self.table)

    def __repr__(self) -> str:
        return f"Ref({self.table!r}, {self.id!r}, {self.label!r})"


@dataclass(frozen=True)
class ReferenceTo:
    """``Annotated[Ref, ReferenceTo(table)]``: a model field naming a row of ``table``."""

    table: str

    def parse(self, value: Any) -> Ref:
        if isinstance(value, Ref):
            return value
        if isinstance(value, str):
            return Ref(self.table, None, value)
        if isinstance(value, Mapping) and set(value) == {"id"}:
            wanted = value["id"]
            if isinstance(wanted, int) and not isinstance(wanted, bool):
                return Ref(self.table, wanted)
        raise ValueError("expected a description or {id: N}")

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            self.parse, serialization=core_schema.plain_serializer_function_ser_schema(
                lambda value: value.shown if isinstance(value, Ref) else value))

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> dict[str, Any]:
        return {"anyOf": [
            {"type": "string", "description": "the row's description"},
            {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"],
             "additionalProperties": False}]}


def match_reference(value: Ref | str | Mapping[str, Any], rows: Sequence[ReferenceRow], *,
                    field: str, what: str, ui_form: bool = False) -> ReferenceRow:
    """The one row ``value`` names, or a FieldProblem saying why not and what exists."""
    if isinstance(value, Ref):
        value = value.label if value.id is None else {"id": value.id}
    if isinstance(value, Mapping) and "id" in value:
        return _by_id(str(value["id"]), rows, field, what)
    if not isinstance(value, str):
        raise FieldProblem(field, f"expected the {what}'s description or {{id: N}}")
    form = UI_FORM.match(value) if ui_form else None
    if form:
        return _by_ui_form(value, form, rows, field, what)
    return _by_description(value, rows, field, what, ui_form)


def _by_id(wanted: str, rows: Sequence[ReferenceRow], field: str, what: str) -> ReferenceRow:
    for row in rows:
        if str(row.id) == wanted:
            return row
    raise FieldProblem(field, f"no {what} has id {wanted}; {_candidates(_offered(rows))}")


def _by_ui_form(value: str, form: re.Match[str], rows: Sequence[ReferenceRow], field: str,
                what: str) -> ReferenceRow:
    row = next((r for r in rows if str(r.id) == form.group(1)), None)
    if row is None or row.description.casefold() != form.group(2).casefold():
        raise FieldProblem(field, f"no {what} is {value!r}; "
                           f"{_candidates(_offered(rows), True)}")
    return row


def _by_description(value: str, rows: Sequence[ReferenceRow], field: str, what: str,
                    ui_form: bool) -> ReferenceRow:
    exact = [r for r in rows if r.description == value] or [
        r for r in rows if r.description.casefold() == value.casefold()]
    if len(exact) == 1:
        return exact[0]
    if exact:
        ids = ", ".join(str(r.id) for r in exact)
        raise FieldProblem(field, f"{len(exact)} {what}s are described {value!r} (ids {ids}); "
                           "use {id: N} to say which")
    offered = _offered(rows)
    close = difflib.get_close_matches(value, [r.description for r in offered], n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise FieldProblem(field, f"no {what} is described {value!r}{hint}; "
                       f"{_candidates(offered, ui_form)}")


def _offered(rows: Sequence[ReferenceRow]) -> list[ReferenceRow]:
    """The rows worth suggesting: inactive ones are refused anyway (``require_active``)."""
    return [r for r in rows if not r.inactive]


def _candidates(rows: Sequence[ReferenceRow], ui_form: bool = False, limit: int = 12) -> str:
    if not rows:
        return "there are none"
    shown = [f"{r.id}: {r.description}" if ui_form else f"{r.description!r} (id {r.id})"
             for r in rows[:limit]]
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return "candidates: " + ", ".join(shown) + more


def require_active(table: str, row: ReferenceRow, rows: Sequence[ReferenceRow], *, field: str,
                   what: str, ui_form: bool = False) -> ReferenceRow:
    """``row``, unless it is inactive: the services' own forms offer only active rows (an
    appeal closed last season, a retired activity type), so a manifest naming one is refused
    with the closest active row rather than written to."""
    if not row.inactive:
        return row
    active = _offered(rows)
    close = difflib.get_close_matches(row.description, [r.description for r in active], n=1,
                                      cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    service = table.partition(".")[0].capitalize()  # "tessitura.appeals" -> Tessitura
    raise FieldProblem(field, f"{what} {row.description!r} (id {row.id}) is inactive in "
                       f"{service}, which offers only active ones{hint}; "
                       f"{_candidates(active, ui_form)}")


async def resolve_ref(read: ReferenceReader, ref: Ref, *, field: str, what: str,
                      ui_form: bool = False, active: bool = True) -> tuple[ReferenceRow, Ref]:
    """The row a manifest's reference names (FieldProblem if none, or if it is inactive
    unless ``active`` is False) and the resolved ``Ref``."""
    rows = await read(ref.table)
    row = match_reference(ref, rows, field=field, what=what, ui_form=ui_form)
    if active:
        require_active(ref.table, row, rows, field=field, what=what, ui_form=ui_form)
    return row, Ref.of_row(ref.table, row, rows)


# -- references inside a model, by path ("list", "filters.eaddress_types.0") -----------------

def refs_in(value: Any, path: str = "") -> Iterator[tuple[str, Ref]]:
    """Every ``Ref`` inside a model (nested models and lists too), with its path."""
    if isinstance(value, Ref):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from refs_in(getattr(value, name), _join(path, name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from refs_in(item, _join(path, str(index)))


def map_refs(value: Any, change: Callable[[str, Ref], Ref], path: str = "") -> Any:
    """A copy of ``value`` with each ``Ref`` replaced by ``change(path, ref)``."""
    if isinstance(value, Ref):
        return change(path, value)
    if isinstance(value, BaseModel):
        return value.model_copy(update={
            name: map_refs(getattr(value, name), change, _join(path, name))
            for name in type(value).model_fields})
    if isinstance(value, list):
        return [map_refs(item, change, _join(path, str(i))) for i, item in enumerate(value)]
    return value


def pinned_ids(value: Any) -> dict[str, Any]:
    """The ids planning resolved, by path: a saved plan carries them so apply writes exactly
    the rows the plan showed, even if one is renamed in between."""
    return {path: ref.id for path, ref in refs_in(value) if ref.id is not None}


def with_ids(value: Any, ids: Mapping[str, Any]) -> Any:
    """``value`` with the ids ``pinned_ids`` recorded put back."""
    return map_refs(value, lambda path, ref: replace(ref, id=ids[path])
                    if ref.id is None and path in ids else ref)


async def resolve_pending(value: Any, read: ReferenceReader) -> Any:
    """Look up the ids planning could not know: rows the same apply has just created (an
    activity type a CSI webhook names). Read after those were made, so they are found."""
    found: dict[str, Ref] = {}
    for path, ref in refs_in(value):
        if ref.id is None:
            found[path] = (await resolve_ref(read, ref, field=path, what=_what(ref.table),
                                             active=False))[1]
    return map_refs(value, lambda path, ref: found.get(path, ref)) if found else value


def _what(table: str) -> str:
    """``tessitura.activity_types`` -> ``activity type``, for messages."""
    return table.rpartition(".")[2].removesuffix("s").replace("_", " ")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def row_of(ref: Ref, rows: Sequence[ReferenceRow]) -> ReferenceRow | None:
    """The row ``ref`` names, or None (for look-ups another rule already validated)."""
    try:
        return match_reference(ref, rows, field="", what="row")
    except FieldProblem:
        return None
