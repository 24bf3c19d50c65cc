"""The pack's procedures over constituents' email addresses: the sync export and purposes.

``LP_CALLBOARD_SYNC_EXPORT`` reads what a Data Sync needs per address (optionally with an
output set's columns); ``LP_CALLBOARD_SET_PURPOSES`` is what Trigger Webhooks do to
Contact Point Purposes in Tessitura (seed 003).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from providers.tessitura.emulator.output_sets import Column, column_values, output_set_columns
from providers.tessitura.emulator.procedure_call import ProcedureCall, Rows, without_nulls
from providers.tessitura.emulator.wire_errors import TessituraApiError
from providers.tessitura.emulator.wire_time import format_wire_datetime

if TYPE_CHECKING:
    from providers.tessitura.emulator.world import TessituraWorld

PURPOSE_ACTIONS = ("add", "remove")
#: The export's own columns: an output-set column may not take one of these names.
EXPORT_COLUMNS = ("ConstituentId", "EaddressId", "Address", "EaddressTypeId", "PrimaryIndicator",
                  "Inactive", "PurposeIds", "PermissionAnswer", "FirstName", "LastName")


def lp_sync_export(call: ProcedureCall) -> Rows:
    """Every email address (IsEmail types, inactive ones included) of the given constituents.

    ``PermissionAnswer`` is the answer for the integrated permission type, NULL when none is
    integrated; ``@output_set_id`` adds that output set's columns to each row.
    """
    world = call.world
    population = world.population
    email_types = _email_types(world)
    permission_type = _integrated_permission_type(call)
    columns = _output_set_columns(call)
    rows: Rows = []
    for constituent_id in call.id_list("@constituent_ids"):
        if not population.exists(constituent_id):
            continue
        first, last = population.name(constituent_id)
        answer = (None if permission_type is None
                  else population.permission_answer(constituent_id, permission_type))
        values = column_values(world, columns, constituent_id) if columns else {}
        for record in population.email_addresses(constituent_id):
            if record.type_id not in email_types:
                continue
            purposes = ",".join(str(p) for p in record.purpose_ids) or None
            rows.append(
                without_nulls(
                    {
                        "ConstituentId": constituent_id, "EaddressId": record.id,
                        "Address": record.address, "EaddressTypeId": record.type_id,
                        "PrimaryIndicator": record.primary, "Inactive": record.inactive,
                        "PurposeIds": purposes, "PermissionAnswer": answer,
                        "FirstName": first, "LastName": last, **values,
                    }  # fmt: skip
                )
            )
    return rows


def _email_types(world: TessituraWorld) -> set[int]:
    return {
        type_id for type_id, row in world.tables["ElectronicAddressTypes"].items() if row["IsEmail"]
    }


def _integrated_permission_type(call: ProcedureCall) -> int | None:
    """``@contact_permission_type_id``, else T_DEFAULTS ``P2ContactPermissionTypeId``, else None.

    No fallback: an account that integrates no permission type gets no answers (NULL).
    """
    given = call.text("@contact_permission_type_id", required=False)
    if given is not None:
        return call.integer("@contact_permission_type_id")
    return call.world.integrated_permission_type()


def _output_set_columns(call: ProcedureCall) -> list[Column]:
    if call.text("@output_set_id", required=False) is None:
        return []
    output_set_id = call.integer("@output_set_id")
    row = call.world.tables["OutputSets"].get(output_set_id)
    if row is None:
        raise TessituraApiError(400, f"Output set {output_set_id} does not exist.",
                                error_path="@output_set_id")  # fmt: skip
    columns = output_set_columns(row)
    clashes = sorted({name for name, _ in columns} & set(EXPORT_COLUMNS))
    if clashes:
        raise TessituraApiError(
            400, f"Output set {output_set_id} has columns named like the export's own "
            f"({', '.join(clashes)}); rename them (DescriptionRenamed).",
            error_path="@output_set_id")  # fmt: skip
    return columns


def lp_set_purposes(call: ProcedureCall) -> Rows:
    """Add or remove an Email Address purpose on every T_EADDRESS row holding each address.

    One row per (address, owner's eaddress): ``added``/``removed``/``unchanged``; an address
    nobody holds gives one ``not_found`` row. Changes are audited (TX_CONTACT_POINT_PURPOSE).
    """
    world = call.world
    population = world.population
    purpose_id = call.integer("@purpose_id")
    if purpose_id not in _email_purposes(world):
        raise TessituraApiError(
            400, f"Purpose {purpose_id} is not a Contact Point Purpose of the Email Address "
            "category.", error_path="@purpose_id")  # fmt: skip
    action = str(call.text("@action")).strip().lower()
    if action not in PURPOSE_ACTIONS:
        raise TessituraApiError(400, f"@action must be 'add' or 'remove', not {action!r}.",
                                error_path="@action")  # fmt: skip
    addresses = call.text_list("@addresses")
    email_types = _email_types(world)
    stamp = format_wire_datetime(call.now)
    rows: Rows = []
    for address in addresses:
        wanted = address.casefold()
        found = False
        for owner in population.owners_of(address):
            for record in population.email_addresses(owner):
                if record.type_id not in email_types or record.address.casefold() != wanted:
                    continue
                found = True
                held = purpose_id in record.purpose_ids
                result = "unchanged"
                if action == "add" and not held:
                    population.set_purposes(record.id, (*record.purpose_ids, purpose_id))
                    world.record_audit(owner, "TX_CONTACT_POINT_PURPOSE", "purpose_id", stamp,
                                       None, purpose_id)
                    result = "added"
                elif action == "remove" and held:
                    population.set_purposes(
                        record.id, tuple(p for p in record.purpose_ids if p != purpose_id))
                    world.record_audit(owner, "TX_CONTACT_POINT_PURPOSE", "purpose_id", stamp,
                                       purpose_id, None)
                    result = "removed"
                rows.append({"Address": address, "ElectronicAddressId": record.id,
                             "ConstituentId": owner, "Result": result})  # fmt: skip
        if not found:
            rows.append({"Address": address, "Result": "not_found"})
    return rows


def _email_purposes(world: TessituraWorld) -> set[int]:
    """Purposes linked to the Email Address contact point category (T_EADDRESS)."""
    email_categories = {
        category_id
        for category_id, row in world.tables["ContactPointCategories"].items()
        if row.get("ContactPointTable") == "T_EADDRESS"
    }
    return {
        (row.get("Purpose") or {}).get("Id")
        for row in world.tables["ContactPointCategoryPurposes"].values()
        if (row.get("ContactPointCategory") or {}).get("Id") in email_categories
        and not row.get("Inactive")
    }
