"""Which Data Sync a run means: its state record, its live definition, its wire ids.

A run works from the sync as it is live in Prospect2 (what the integration would run), found
through the remote id that state recorded at apply; reference descriptions resolve to the
Tessitura ids the list source speaks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import CallboardError
from engine.kinds import FieldProblem
from engine.references import match_reference
from engine.resources import address, split_address
from engine.session import Session
from engine.state.base import ResourceRecord, StateStore
from engine.sync.filters import AddressFilter
from engine.sync.schedule import Schedule

KIND = "data_syncs"


@dataclass(frozen=True)
class SyncDefinition:
    address: str
    name: str
    sync_id: str
    list_id: int
    tag: str
    mode: str
    trigger_webhooks: bool
    trigger_automations: bool
    address_filter: AddressFilter
    schedule: Schedule | None
    notify: tuple[str, ...]
    enabled: bool
    description: str = ""


def sync_address(name: str) -> str:
    """``members`` and ``data_syncs.members`` both name the sync."""
    return name if split_address(name)[0] == KIND else address(KIND, name)


def managed_syncs(state: StateStore) -> list[ResourceRecord]:
    return [r for r in state.resources().values() if r.kind == KIND]


def state_record(state: StateStore, name: str) -> ResourceRecord:
    address = sync_address(name)
    record = state.get(address)
    if record is None or record.kind != KIND:
        known = ", ".join(r.name for r in managed_syncs(state)) or "none"
        raise CallboardError(f"{address} is not in state (apply it first); Data Syncs in "
                             f"state: {known}")
    return record


async def load_definition(session: Session, record: ResourceRecord) -> SyncDefinition:
    """The live sync behind ``record``; an error if it was deleted out of band."""
    live = await session.handler(KIND).read(record.remote_id)
    if live is None:
        raise CallboardError(f"{record.address}: Data Sync {record.remote_id} no longer exists "
                             "in Prospect2 (run 'callboard plan' to see the drift)")
    return await definition_from_fields(session, record, live.fields)


async def definition_from_fields(session: Session, record: ResourceRecord,
                                 fields: Mapping[str, Any]) -> SyncDefinition:
    filters = fields.get("filters") or {}
    try:
        list_id = await _wire_id(session, "tessitura.lists", fields.get("list"), "list",
                                 "List Manager list")
        purposes = [await _wire_id(session, "tessitura.contact_point_purposes", v,
                                   "filters.contact_point_purposes", "contact point purpose")
                    for v in filters.get("contact_point_purposes") or []]
        types = [await _wire_id(session, "tessitura.eaddress_types", v,
                                "filters.eaddress_types", "electronic address type")
                 for v in filters.get("eaddress_types") or []]
    except FieldProblem as problem:
        raise CallboardError(f"{record.address}: {problem}") from None
    schedule = fields.get("schedule")
    try:
        parsed = Schedule.model_validate(schedule) if schedule else None
    except ValueError:
        parsed = None  # a schedule form Callboard does not know: never due
    return SyncDefinition(
        address=record.address, name=record.name, sync_id=record.remote_id, list_id=list_id,
        tag=str(fields.get("tag") or ""), mode=str(fields.get("mode") or "add_only"),
        trigger_webhooks=bool(fields.get("trigger_webhooks")),
        trigger_automations=bool(fields.get("trigger_automations")),
        address_filter=AddressFilter(
            purpose_ids=frozenset(purposes), eaddress_type_ids=frozenset(types),
            primary_only=bool(filters.get("primary_only")),
            ignore_contact_permissions=bool(filters.get("ignore_contact_permissions"))),
        schedule=parsed, notify=tuple(fields.get("notify") or ()),
        enabled=bool(fields.get("enabled", True)),
        description=str(fields.get("description") or ""))


async def _wire_id(session: Session, table: str, value: Any, field: str, what: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    row = match_reference(value, await session.reference(table), field=field, what=what)
    return int(row.id)
