"""The ``tessitura_defaults`` kind: T_DEFAULTS rows such as ``P2DSTrackChanges`` (seed 003).

The manifest NAME is the row's FieldName. REST only reads T_DEFAULTS, so writes go through the
procedure pack's ``LP_CALLBOARD_SET_DEFAULT`` (an upsert, safe to retry). Rows are never
deleted: Tessitura and other integrations read them, so "delete" only stops managing one.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, ClassVar

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from engine.errors import ProviderError, StaleObjectError
from engine.kinds import FieldProblem, Kind, LiveObject, ReferenceContext, ResourceSpec
from providers.tessitura.kinds.activity_types import same_moment
from providers.tessitura.kinds.handler import TessituraHandler
from providers.tessitura.reference import system_default_rows

DEFAULT_PARENT_TABLE = "Prospect2"
SET_DEFAULT = "LP_CALLBOARD_SET_DEFAULT"


class TessituraDefaultSpec(ResourceSpec):
    """A T_DEFAULTS row (the manifest's NAME is its FieldName)."""

    derived: ClassVar[frozenset[str]] = frozenset({"field_name"})
    field_name: SkipJsonSchema[str] = ""
    value: str
    parent_table: str = Field(DEFAULT_PARENT_TABLE, min_length=1)


class TessituraDefaultsKind(Kind):
    name: ClassVar[str] = "tessitura_defaults"
    provider: ClassVar[str] = "tessitura"
    model: ClassVar[type[ResourceSpec]] = TessituraDefaultSpec
    name_pattern: ClassVar[re.Pattern[str] | None] = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
    # A FieldName under another parent table is another T_DEFAULTS row.
    replace_fields: ClassVar[frozenset[str]] = frozenset({"parent_table"})
    # Tessitura holds hundreds of T_DEFAULTS rows; only the declared ones are the user's.
    report_unmanaged: ClassVar[bool] = False
    delete_note: ClassVar[str | None] = (
        "T_DEFAULTS rows stay as they are; Callboard only stops managing this one")
    description: ClassVar[str] = "Tessitura T_DEFAULTS rows, named by FieldName (e.g. " \
        "P2DSTrackChanges)"

    def desired(self, name: str, spec: TessituraDefaultSpec) -> TessituraDefaultSpec:
        return spec.model_copy(update={"field_name": name})

    def key(self, value: TessituraDefaultSpec) -> str:
        return str(value.field_name)

    def manifest_entry(self, live: LiveObject) -> dict[str, Any]:
        entry: dict[str, Any] = {"value": live.fields["value"]}
        if live.fields["parent_table"] != DEFAULT_PARENT_TABLE:
            entry["parent_table"] = live.fields["parent_table"]
        return entry


def default_from_wire(row: dict[str, Any]) -> LiveObject:
    """A wire ``SystemDefault`` in the kind's model (a null Value reads as ``""``)."""
    field_name = str(row.get("FieldName") or "")
    return LiveObject(
        kind=TessituraDefaultsKind.name,
        remote_id=str(row["Id"]),
        key=field_name,
        value=TessituraDefaultSpec.model_construct(
            field_name=field_name, value="" if row.get("Value") is None else str(row["Value"]),
            parent_table=str(row.get("ParentTable") or "")),
        version=row.get("UpdatedDateTime"),
    )


def _refuse_a_misspelt_name(name: str, field_names: list[str]) -> None:
    """A new FieldName close to an existing one is a typo: creating it would add a row that
    nothing reads (and that Callboard never deletes) while the one meant stays as it was."""
    close = difflib.get_close_matches(name, field_names, n=1, cutoff=0.85)
    if close:
        raise FieldProblem(None, f"Tessitura has no T_DEFAULTS row {name} (did you mean "
                           f"{close[0]}?); Callboard would add one that nothing reads, and "
                           "T_DEFAULTS rows are never deleted: correct the name")


class TessituraDefaultsHandler(TessituraHandler):
    """Reads every T_DEFAULTS row in one GET; writes through the procedure pack."""

    kind: ClassVar[Kind] = TessituraDefaultsKind()
    writes_need_add_on: ClassVar[bool] = True  # LP_CALLBOARD_SET_DEFAULT

    async def list(self) -> list[LiveObject]:
        return [default_from_wire(row) for row in await system_default_rows(self.client)]

    async def resolve(self, spec: TessituraDefaultSpec,
                      refs: ReferenceContext) -> TessituraDefaultSpec:
        """Take Tessitura's spelling of FieldName and ParentTable, which it matches in any case.

        Otherwise ``p2dstrackchanges`` would never match the live row and plan a create forever.
        """
        name = spec.field_name
        live = await refs.live_objects(self.kind.name)
        same = [o for o in live if o.key == name] or [
            o for o in live if o.key.casefold() == name.casefold()]
        if not same:
            _refuse_a_misspelt_name(name, [o.key for o in live])
        if same and same[0].key != name:
            refs.warn(None, f"Tessitura spells this T_DEFAULTS field {same[0].key}; use that "
                      "spelling as the name")
        parents = sorted({o.value.parent_table for o in same})
        parent = next((p for p in parents if p.casefold() == spec.parent_table.casefold()),
                      spec.parent_table)
        return spec.model_copy(update={"field_name": same[0].key if same else name,
                                       "parent_table": parent})

    async def create(self, spec: TessituraDefaultSpec) -> LiveObject:
        return await self._set(spec, spec.parent_table)

    async def update(self, live: LiveObject, spec: TessituraDefaultSpec) -> LiveObject:
        """Refuse to overwrite a value someone changed since it was read; then upsert."""
        current = next((row for row in await system_default_rows(self.client)
                        if str(row.get("Id")) == live.remote_id), None)
        if current is None:
            raise StaleObjectError(f"T_DEFAULTS row {live.remote_id} ({live.key}) is gone from "
                                   "Tessitura since it was read; plan again")
        now = default_from_wire(current)
        if now.fields != live.fields or (live.version is not None
                                         and not same_moment(live.version, now.version)):
            raise StaleObjectError(
                f"T_DEFAULTS {live.key} changed in Tessitura since it was read (value "
                f"{live.fields['value']!r} is now {now.fields['value']!r}); plan again")
        return await self._set(spec, live.fields["parent_table"])

    async def delete(self, live: LiveObject) -> None:
        """Nothing to do: the row stays (``delete_note`` says so in the plan)."""

    def estimated_calls(self, action: str) -> int:
        return {"update": 2, "replace": 1, "delete": 0, "adopt": 0}.get(action, 1)

    async def _set(self, spec: TessituraDefaultSpec, parent_table: str) -> LiveObject:
        rows = await self.client.execute(
            SET_DEFAULT, idempotent=True, field_name=spec.field_name, value=spec.value,
            parent_table=parent_table)
        if not rows or "Id" not in rows[0]:
            raise ProviderError(f"{SET_DEFAULT} returned no row for {spec.field_name}")
        row = rows[0]
        return default_from_wire({**row, "FieldName": row.get("FieldName") or spec.field_name,
                                  "ParentTable": parent_table, "UpdatedDateTime": None})
