"""Seed 003 (re-syncing data changes): a sync's contact data names what exists, and fits.

``contact_data`` carries output-set columns into custom fields (membership level, giving
amounts, "used in personalization"). The output set and its columns must exist, each field
must be a custom field (declared under ``custom_fields`` or live in Prospect2), and the values
the list holds now must fit the field's type (a sample: the first page of the list's results)::

    contact_data: {output_set: Pro2 Member Dta, ...}             # no such output set: refused
    contact_data: {fields: {membership-level: Membership Lvl}}   # no such column: refused
    contact_data: {fields: {first_name: First}}                  # not a custom field: refused
    contact_data: {fields: {last-attended: Membership Level}}    # 'Patron' is no date: refused
    resync: values                                               # without contact_data: refused
    contact_data: {fields: {membership-level: Membership Level}} # accepted
"""

from __future__ import annotations

import difflib
from typing import Any, ClassVar

from engine.kinds import FieldProblem, ReferenceContext
from engine.references import row_of
from engine.rules import Rule, RuleContext
from engine.sync.contact_data import CarriedField, fit_value, value_text
from providers.prospect2.kinds.tessitura_references import (
    LISTS,
    OUTPUT_SETS,
    list_results_table,
    output_set_columns_table,
)


class SyncContactData(Rule):
    seed: ClassVar[str] = "003"
    kinds: ClassVar[tuple[str, ...]] = ("data_syncs",)

    async def check(self, sync: Any, context: RuleContext) -> None:
        contact = sync.contact_data
        if contact is None:
            if sync.resync == "values":
                raise FieldProblem("resync", (
                    "resync: values re-imports members whose carried values changed, and this "
                    "sync carries none: declare contact_data, or use resync: audit or off"))
            return
        output_set = await _output_set(sync, context.refs)
        columns = [r.description for r in
                   await context.refs.reference(output_set_columns_table(output_set.id))]
        for perstag, column in contact.fields.items():
            if column not in columns:
                raise FieldProblem(f"contact_data.fields.{perstag}", _no_column(
                    column, output_set.description, columns))
        carried = await _carried_fields(contact.fields, context)
        await _values_fit(sync, output_set.id, carried, context.refs)


async def _output_set(sync: Any, refs: ReferenceContext) -> Any:
    """The row of the sync's output set: its own, else its list's default (or a refusal)."""
    sets = await refs.reference(OUTPUT_SETS)
    chosen = sync.contact_data.output_set
    if chosen is None:
        listed = row_of(sync.list, await refs.reference(LISTS))
        own = listed.data.get("output_set_id") if listed is not None else None
        if own is None:
            raise FieldProblem("contact_data.output_set", (
                f"list {sync.list.describe()} has no output set of its own: name the output "
                "set contact_data reads (output_set: DESCRIPTION or {id: N})"))
        chosen = next((r for r in sets if str(r.id) == str(own)), None)
        if chosen is None:
            raise FieldProblem("contact_data.output_set", (
                f"list {sync.list.describe()}'s output set (id {own}) does not exist"))
        return chosen
    return row_of(chosen, sets)


def _no_column(column: str, output_set: str, columns: list[str]) -> str:
    close = difflib.get_close_matches(column, columns, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return (f"output set {output_set!r} has no column {column!r}{hint}; its columns: "
            f"{', '.join(repr(c) for c in columns) or 'none'}")


async def _carried_fields(fields: dict[str, str], context: RuleContext
                          ) -> list[CarriedField]:
    """Each field with its type and options: declared ones as declared (apply makes them
    before the sync), live ones as Prospect2 has them; anything else is refused."""
    declared = {str(getattr(d, "perstag", "")).upper(): d for name in
                context.refs.managed_names("custom_fields")
                if (d := context.refs.desired("custom_fields", name)) is not None}
    live = await context.handler.field_facts(list(fields))  # type: ignore[attr-defined]
    carried = []
    for perstag, column in fields.items():
        if perstag in declared:
            spec = declared[perstag]
            carried.append(CarriedField("", perstag, column, str(spec.type),
                                        tuple(getattr(spec, "options", None) or ())))
        elif perstag in live:
            facts = live[perstag]
            carried.append(CarriedField(facts.field_id, perstag, column, facts.type,
                                        facts.options))
        else:
            raise FieldProblem(f"contact_data.fields.{perstag}", (
                f"{perstag} is not a custom field: neither declared under custom_fields nor in "
                f"Prospect2{_closest(perstag, context)} (contact data fills custom fields; "
                "email and names come with every import)"))
    return carried


def _closest(perstag: str, context: RuleContext) -> str:
    """`` (did you mean 'membership-level'?)``: a declared custom field's NAME or perstag
    (the key arrives in capitals, as perstags are compared)."""
    names = context.refs.managed_names("custom_fields")
    perstags = [str(getattr(context.refs.desired("custom_fields", n), "perstag", "") or "")
                for n in names]
    choices = {c.casefold(): c for c in [*names, *perstags] if c}
    close = difflib.get_close_matches(perstag.casefold(), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {choices[close[0]]!r}?)" if close else ""


async def _values_fit(sync: Any, output_set_id: Any, carried: list[CarriedField],
                      refs: ReferenceContext) -> None:
    """The first value in the list's first page of results that a field would refuse."""
    sample = await refs.reference(list_results_table(sync.list.id, output_set_id))
    for field in carried:
        for row in sample:
            _, problem = fit_value(field, value_text(row.data.get(field.column)))
            if problem is not None:
                raise FieldProblem(f"contact_data.fields.{field.perstag}", (
                    f"column {field.column!r} holds {problem.value!r} (constituent {row.id}), "
                    f"{problem.why}; map a column that fits, or change the field's type"))
