"""The Callboard procedure pack, as ``POST /Custom/Execute`` runs it (tessitura-api.md §4).

The emulator's stand-in for the T-SQL in ``providers/tessitura/sql/``: same names, same
parameters, same result columns (nulls omitted, as Tessitura omits them), same idempotency.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from providers.tessitura.emulator.procedure_call import (
    ProcedureCall,
    Rows,
    read_parameters,
    without_nulls,
)
from providers.tessitura.emulator.procedures_contacts import lp_set_purposes, lp_sync_export
from providers.tessitura.emulator.wire_errors import TessituraApiError
from providers.tessitura.emulator.wire_time import (
    format_wire_datetime,
    next_version_stamp,
    parse_wire_datetime,
)
from providers.tessitura.sql import PACK_VERSION as SHIPPED_PACK_VERSION

if TYPE_CHECKING:
    from providers.tessitura.emulator.world import TessituraWorld

#: The emulator plays a Tessitura with the pack this Callboard ships installed.
PACK_VERSION = SHIPPED_PACK_VERSION


# -- the pack's procedures (the address ones live in procedures_contacts) -----------------------
def lp_version(call: ProcedureCall) -> Rows:
    return [{"Version": call.world.pack_version or PACK_VERSION}]


def lp_set_default(call: ProcedureCall) -> Rows:
    """Upsert a T_DEFAULTS row by (parent table, field name); unchanged values stay unstamped."""
    field_name = str(call.text("@field_name"))
    value = call.text("@value", required=False)
    parent_table = call.text("@parent_table", required=False)
    defaults = call.world.tables["SystemDefaults"]
    matches = [
        row
        for row in defaults.values()
        if str(row["FieldName"]).lower() == field_name.lower()
        and (parent_table is None or str(row["ParentTable"]).lower() == parent_table.lower())
    ]
    if len(matches) > 1:
        raise TessituraApiError(
            400, f"{field_name} exists under several parent tables; give @parent_table.",
            error_path="@parent_table",
        )  # fmt: skip
    stamp = format_wire_datetime(call.now)
    if matches:
        row = matches[0]
        if row["Value"] != value:
            row["Value"] = value
            row["UpdatedDateTime"] = next_version_stamp(call.now, row["UpdatedDateTime"])
            row["UpdatedBy"] = call.user
    else:
        if parent_table is None:
            raise TessituraApiError(
                400, f"{field_name} does not exist yet; @parent_table is required to create it.",
                error_path="@parent_table",
            )  # fmt: skip
        row_id = call.world.next_id("SystemDefaults")
        row = {
            "Id": row_id, "Description": field_name, "Inactive": False, "Value": value,
            "ParentTable": parent_table, "FieldName": field_name, "CreatedDateTime": stamp,
            "CreateLocation": "Custom/Execute", "CreatedBy": call.user, "UpdatedDateTime": stamp,
            "UpdatedBy": call.user,
        }  # fmt: skip
        defaults[row_id] = row
    return [without_nulls({"Id": row["Id"], "FieldName": row["FieldName"], "Value": row["Value"]})]


def lp_audit_changes(call: ProcedureCall) -> Rows:
    """Audit rows with ``@since <= ChangedDateTime < @until`` (until defaults to now)."""
    since = call.moment("@since")
    until = call.moment("@until", default=call.now)
    rows: Rows = []
    for entry in call.world.audit:
        changed = parse_wire_datetime(entry["ChangedDateTime"])
        if since <= changed < until:
            rows.append(
                {
                    "ConstituentId": entry["ConstituentId"],
                    "AuditTable": entry["AuditTable"],
                    "ColumnName": entry["ColumnName"],
                    "ChangedDateTime": entry["ChangedDateTime"],
                }
            )
    rows.sort(key=lambda row: (parse_wire_datetime(row["ChangedDateTime"]), row["ConstituentId"]))
    return rows


def lp_writeback_source(call: ProcedureCall) -> Rows:
    """Find the campaign's source by ``@campaign_ref``, or create it under the appeal."""
    world = call.world
    campaign_ref = str(call.text("@campaign_ref"))
    for source in world.sources.values():
        if source.get("CampaignRef") == campaign_ref:
            return [{"SourceId": source["Id"], "Created": False}]
    appeal_id = call.integer("@appeal_id")
    source_group_id = call.integer("@source_group_id")
    media_type_id = call.integer("@media_type_id")
    for name, table, row_id in (
        ("@appeal_id", "Appeals", appeal_id),
        ("@source_group_id", "SourceGroups", source_group_id),
        ("@media_type_id", "MediaTypes", media_type_id),
    ):
        if row_id not in world.tables[table]:
            raise TessituraApiError(400, f"{name} {row_id} does not exist.", error_path=name)
    description = call.text("@description", required=False) or f"Campaign {campaign_ref}"
    stamp = format_wire_datetime(call.now)
    source_id = world.next_id("Sources")
    world.sources[source_id] = {
        "Id": source_id, "Description": description, "AppealId": appeal_id,
        "SourceGroupId": source_group_id, "MediaTypeId": media_type_id,
        "CampaignRef": campaign_ref, "Inactive": False, "CreatedDateTime": stamp,
        "CreatedBy": call.user, "UpdatedDateTime": stamp, "UpdatedBy": call.user,
    }  # fmt: skip
    return [{"SourceId": source_id, "Created": True}]


def lp_add_promotions(call: ProcedureCall) -> Rows:
    """T_PROMOTION rows for recipients; existing rows and unknown constituents are skipped."""
    world = call.world
    source_id = call.integer("@source_id")
    if source_id not in world.sources:
        raise TessituraApiError(400, f"@source_id {source_id} does not exist.",
                                error_path="@source_id")  # fmt: skip
    ids = call.id_list("@constituent_ids")
    promoted = world.promotions.setdefault(source_id, set())
    inserted = 0
    for constituent_id in ids:
        if constituent_id in promoted or not world.population.exists(constituent_id):
            continue
        promoted.add(constituent_id)
        inserted += 1
    return [{"Inserted": inserted, "Skipped": len(ids) - inserted}]


PROCEDURES: dict[str, Callable[[ProcedureCall], Rows]] = {
    "LP_CALLBOARD_VERSION": lp_version,
    "LP_CALLBOARD_SET_DEFAULT": lp_set_default,
    "LP_CALLBOARD_SYNC_EXPORT": lp_sync_export,
    "LP_CALLBOARD_AUDIT_CHANGES": lp_audit_changes,
    "LP_CALLBOARD_WRITEBACK_SOURCE": lp_writeback_source,
    "LP_CALLBOARD_ADD_PROMOTIONS": lp_add_promotions,
    "LP_CALLBOARD_SET_PURPOSES": lp_set_purposes,
}


def execute_local_procedure(
    world: TessituraWorld, body: dict[str, Any], *, user: str, now: datetime
) -> Rows:
    """Run a registered procedure; an unregistered name is a 400, as in Tessitura."""
    name = str(body.get("ProcedureName") or "").strip()
    procedure = PROCEDURES.get(name.upper()) if world.pack_version is not None else None
    if procedure is None:
        raise TessituraApiError(
            400,
            f"Local procedure {name or body.get('ProcedureId')!r} is not registered "
            "in TR_LOCAL_PROCEDURE.",
            error_path="ProcedureName",
        )
    return procedure(ProcedureCall(world, read_parameters(body), user, now))
