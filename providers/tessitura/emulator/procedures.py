"""The Callboard procedure pack, as ``POST /Custom/Execute`` runs it (tessitura-api.md §4).

The emulator's stand-in for the T-SQL in ``providers/tessitura/sql/``: same names, same
parameters, same result columns (nulls omitted, as Tessitura omits them), same idempotency.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from providers.tessitura.emulator.population import EMAIL_MARKETING_PERMISSION
from providers.tessitura.emulator.wire_errors import TessituraApiError
from providers.tessitura.emulator.wire_time import (
    format_wire_datetime,
    next_version_stamp,
    parse_wire_datetime,
)

if TYPE_CHECKING:
    from providers.tessitura.emulator.world import TessituraWorld

PACK_VERSION = "1.0.0"
MAX_IDS_PER_CALL = 1_000

Rows = list[dict[str, Any]]


class ProcedureCall:
    """One execution: the world, named parameters, the caller and the clock."""

    def __init__(
        self, world: TessituraWorld, parameters: dict[str, str | None], user: str, now: datetime
    ) -> None:
        self.world = world
        self.parameters = parameters
        self.user = user
        self.now = now

    def text(self, name: str, *, required: bool = True) -> str | None:
        value = self.parameters.get(name)
        if value is None or value == "":
            if required:
                raise TessituraApiError(400, f"Parameter {name} is required.", error_path=name)
            return None
        return value

    def integer(self, name: str) -> int:
        value = self.text(name)
        try:
            return int(str(value))
        except ValueError:
            raise TessituraApiError(
                400, f"Parameter {name} must be an integer.", error_path=name
            ) from None

    def id_list(self, name: str) -> list[int]:
        """A CSV of constituent ids, at most ``MAX_IDS_PER_CALL``, de-duplicated, in order."""
        raw = self.text(name, required=False) or ""
        try:
            ids = sorted({int(part) for part in raw.split(",") if part.strip()})
        except ValueError:
            raise TessituraApiError(
                400, f"Parameter {name} must be a comma-separated list of integers.",
                error_path=name,
            ) from None  # fmt: skip
        if len(ids) > MAX_IDS_PER_CALL:
            raise TessituraApiError(
                400,
                f"Parameter {name} has {len(ids)} ids; at most {MAX_IDS_PER_CALL} per call.",
                error_path=name,
            )
        return ids

    def moment(self, name: str, *, default: datetime | None = None) -> datetime:
        value = self.text(name, required=default is None)
        if value is None and default is not None:
            return default
        try:
            return parse_wire_datetime(str(value))
        except ValueError:
            raise TessituraApiError(
                400, f"Parameter {name} must be a date-time.", error_path=name
            ) from None


def read_parameters(body: dict[str, Any]) -> dict[str, str | None]:
    """``ParameterValues`` (preferred) or the ``Parameters`` string ``@a=1&@b=2``."""
    found: dict[str, str | None] = {}
    for name, value in parse_qsl(str(body.get("Parameters") or ""), keep_blank_values=True):
        found[_canonical(name)] = value
    for item in body.get("ParameterValues") or []:
        if isinstance(item, dict) and item.get("Name"):
            value = item.get("Value")
            found[_canonical(str(item["Name"]))] = None if value is None else str(value)
    return found


def _canonical(name: str) -> str:
    name = name.strip().lower()
    return name if name.startswith("@") else f"@{name}"


def _without_nulls(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if value is not None}


# -- the six procedures ----------------------------------------------------------------------
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
    return [_without_nulls({"Id": row["Id"], "FieldName": row["FieldName"], "Value": row["Value"]})]


def lp_sync_export(call: ProcedureCall) -> Rows:
    """Every email address (IsEmail types, inactive ones included) of the given constituents."""
    world = call.world
    population = world.population
    email_types = {
        type_id for type_id, row in world.tables["ElectronicAddressTypes"].items() if row["IsEmail"]
    }
    permission_type = _integrated_permission_type(call)
    rows: Rows = []
    for constituent_id in call.id_list("@constituent_ids"):
        if not population.exists(constituent_id):
            continue
        first, last = population.name(constituent_id)
        answer = population.permission_answer(constituent_id, permission_type)
        for record in population.email_addresses(constituent_id):
            if record.type_id not in email_types:
                continue
            purposes = ",".join(str(p) for p in record.purpose_ids) or None
            rows.append(
                _without_nulls(
                    {
                        "ConstituentId": constituent_id, "EaddressId": record.id,
                        "Address": record.address, "EaddressTypeId": record.type_id,
                        "PrimaryIndicator": record.primary, "Inactive": record.inactive,
                        "PurposeIds": purposes, "PermissionAnswer": answer,
                        "FirstName": first, "LastName": last,
                    }  # fmt: skip
                )
            )
    return rows


def _integrated_permission_type(call: ProcedureCall) -> int:
    """``@contact_permission_type_id``, else T_DEFAULTS ``P2ContactPermissionTypeId``."""
    given = call.text("@contact_permission_type_id", required=False)
    if given is not None:
        return call.integer("@contact_permission_type_id")
    for row in call.world.tables["SystemDefaults"].values():
        if row["FieldName"] == "P2ContactPermissionTypeId" and str(row["Value"] or "").isdigit():
            return int(row["Value"])
    return EMAIL_MARKETING_PERMISSION


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
