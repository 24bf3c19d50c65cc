"""Which Data Sync a run means: its state record, its live definition, its wire ids.

A run works from the sync as it is live in Prospect2 (what the integration would run), found
through the remote id that state recorded at apply. The live object is the kind's model, so
its references already carry the Tessitura ids the list source speaks: nothing is looked up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError

from engine.errors import CallboardError
from engine.manifests.loader import suggest
from engine.references import Ref
from engine.resources import address, split_address
from engine.session import Session
from engine.state.base import ResourceRecord, StateStore
from engine.sync.contact_data import CarriedField
from engine.sync.filters import AddressFilter
from engine.sync.ports import TAG_TARGET_PORT, CustomFieldFacts, TagTarget
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
    runner: str = "callboard"
    #: ``audit`` (seed 003, with P2DSTrackChanges = YES) | ``values`` | ``off``
    resync: str = "audit"
    #: Contact data: the output set (None: the list's own) and the fields it fills.
    output_set_id: int | None = None
    contact_fields: tuple[CarriedField, ...] = ()
    #: The tag's Contact Point Purpose in Tessitura (None: none), updated by a run only
    #: with trigger webhooks.
    purpose_id: int | None = None
    #: The tag's Prospect2 id now: a baseline confirmed against another one is not trusted.
    tag_id: str | None = None
    #: The runner Callboard last applied (state; None: not recorded): ``runner`` differing
    #: from it was set in Prospect2 by hand.
    applied_runner: str | None = None

    @property
    def run_by_prospect2(self) -> bool:
        """``runner: prospect2``: Prospect2's scheduler runs it, never ``sync run``."""
        return self.runner == "prospect2"

    @property
    def runner_changed_outside(self) -> bool:
        """Live says another runner than Callboard applied: changed in Prospect2 by hand."""
        return self.applied_runner is not None and self.applied_runner != self.runner


@dataclass(frozen=True)
class UnavailableSync:
    """A sync in state that cannot run now: it, its tag or a custom field its contact data
    fills was deleted out of band, or reading it failed. ``sync run --due`` and ``--all`` run
    every other sync and report this one failed for ``reason``; what apply recorded in state
    stands in for the live definition in deciding whether it would have run (its schedule,
    enabled, runner) and whom to tell (notify)."""

    address: str
    name: str
    sync_id: str
    reason: str
    schedule: Schedule | None
    notify: tuple[str, ...]
    enabled: bool
    runner: str

    @property
    def run_by_prospect2(self) -> bool:
        return self.runner == "prospect2"

    @classmethod
    def of(cls, record: ResourceRecord, error: CallboardError) -> UnavailableSync:
        fields = record.fields
        try:  # a form this Callboard does not know (or none) is never due, as live
            schedule: Schedule | None = Schedule.model_validate(fields.get("schedule"))
        except ValidationError:
            schedule = None
        return cls(address=record.address, name=record.name, sync_id=record.remote_id,
                   reason=str(error).removeprefix(f"{record.address}: "), schedule=schedule,
                   notify=tuple(fields.get("notify") or ()),
                   enabled=bool(fields.get("enabled", True)),
                   runner=fields.get("runner") or "callboard")


def sync_address(name: str) -> str:
    """``members`` and ``data_syncs.members`` both name the sync."""
    return name if split_address(name)[0] == KIND else address(KIND, name)


def managed_syncs(state: StateStore) -> list[ResourceRecord]:
    return [r for r in state.resources().values() if r.kind == KIND]


def state_record(state: StateStore, name: str) -> ResourceRecord:
    address = sync_address(name)
    record = state.get(address)
    if record is None or record.kind != KIND:
        names = sorted(r.name for r in managed_syncs(state))
        raise CallboardError(f"{address} is not in state{suggest(name, names)}: apply it "
                             f"first if a manifest declares it; Data Syncs in state: "
                             f"{', '.join(names) or 'none'}")
    return record


async def load_definition(session: Session, record: ResourceRecord,
                          state: StateStore) -> SyncDefinition:
    """The live sync behind ``record``; an error if it was deleted out of band, its tag
    deleted or renamed, or if the account is no longer connected to Tessitura (Prospect2's
    own runner refuses it too)."""
    target: TagTarget = session.port(TAG_TARGET_PORT)
    account = await target.account()
    account.require_connected(record.address)
    live = await session.handler(KIND).read(record.remote_id)
    if live is None:
        raise CallboardError(f"{record.address}: Data Sync {record.remote_id} no longer exists "
                             "in Prospect2 (run 'callboard plan' to see the drift)")
    contact = getattr(live.value, "contact_data", None)
    fields = await target.custom_fields(list(contact.fields)) if contact else {}
    definition = definition_of(record, live.value,
                               permissions_integrated=account.contact_permissions_integrated,
                               fields=fields)
    tag = await target.tag(definition.tag)
    if tag is None:
        raise await _tag_not_found(session, state, record, live.value, definition.tag)
    await session.require_add_ons(record.address)  # runs export through the procedure pack
    return replace(definition, tag_id=tag.tag_id, purpose_id=tag.purpose_id)


async def _tag_not_found(session: Session, state: StateStore, record: ResourceRecord,
                         sync: Any, tag: str) -> CallboardError:
    """Why no tag has the sync's tag name: the tag the last run confirmed (its baseline's tag
    id) renamed by hand, which apply renames back, members and baseline kept; or deleted,
    which apply makes again, every member tagged again. Before a first run (no baseline), the
    tag's id is the one state holds for the managed tag of that name, if it is managed."""
    baseline = await asyncio.to_thread(state.sync_baseline, record.remote_id)
    tag_id = baseline.tag_id if baseline else None
    first_run = tag_id is None
    if first_run:
        tag_id = await asyncio.to_thread(_managed_tag_id, session, state, sync, tag)
    target: TagTarget = session.port(TAG_TARGET_PORT)
    renamed = await target.tag_name(tag_id) if tag_id else None
    if renamed is not None:
        kept = ("the sync has not run yet: its first run then tags its members" if first_run
                else "its members keep it, and the next run goes on from its baseline")
        return CallboardError(
            f"{record.address}: its tag {tag!r} was renamed to {renamed!r} in Prospect2 "
            f"(tag id {tag_id}, changed outside Callboard), so the run stops before any "
            f"write: run 'callboard apply' to rename it back ({kept}), or name the tag "
            f"{renamed!r} in the manifests and apply what 'callboard plan' shows")
    return CallboardError(
        f"{record.address}: its tag {tag!r} no longer exists in Prospect2 (deleted out of "
        "band?), so its members no longer carry it and the run stops before any write: run "
        "'callboard plan' and 'callboard apply' to create the tag again; the next run then "
        "tags every member again")


def _managed_tag_id(session: Session, state: StateStore, sync: Any, tag: str) -> str | None:
    """The remote id state records for the managed object named ``tag`` that the sync refers
    to (its tag), by that object's natural key as last applied; None when nothing manages it
    (a Data Sync holds its tag by name only, so then nothing says which tag it was)."""
    kinds = {kind for kind, name in session.registry[KIND].refers_to(sync) if name == tag}
    for found in state.resources().values():
        if found.kind not in kinds:
            continue
        kind = session.registry[found.kind]
        try:
            key = kind.key(kind.planned(found.fields))
        except ValidationError:  # a record of a form this Callboard does not read
            continue
        if key.casefold() == tag.casefold():
            return found.remote_id
    return None


async def load_alone(session: Session, record: ResourceRecord, state: StateStore
                     ) -> SyncDefinition | UnavailableSync:
    """``load_definition`` for a run of many syncs (``--due``, ``--all``) where each stands
    alone: a sync that cannot be loaded is an ``UnavailableSync`` the others run past. An
    account not connected to Tessitura (or not answering) stops every sync alike, so it still
    stops the command, once, before any run."""
    target: TagTarget = session.port(TAG_TARGET_PORT)
    (await target.account()).require_connected(record.address)
    await session.require_add_ons(record.address)
    try:
        return await load_definition(session, record, state)
    except CallboardError as error:
        return UnavailableSync.of(record, error)


def definition_of(record: ResourceRecord, sync: Any, *, permissions_integrated: bool = True,
                  fields: Mapping[str, CustomFieldFacts] | None = None) -> SyncDefinition:
    """A run's view of a live Data Sync (the ``data_syncs`` kind's model): its references
    already hold the Tessitura ids the list source speaks, its schedule is parsed.
    ``permissions_integrated`` is the account's: answers filter only where it is; ``fields``
    the custom fields its contact data names, by perstag."""
    filters = sync.filters
    contact = getattr(sync, "contact_data", None)
    return SyncDefinition(
        address=record.address, name=record.name, sync_id=record.remote_id,
        list_id=_wire_id(record, "list", sync.list),
        tag=sync.tag, mode=sync.mode, trigger_webhooks=sync.trigger_webhooks,
        trigger_automations=sync.trigger_automations,
        address_filter=AddressFilter(
            purpose_ids=frozenset(_wire_id(record, "filters.contact_point_purposes", r)
                                  for r in filters.contact_point_purposes),
            eaddress_type_ids=frozenset(_wire_id(record, "filters.eaddress_types", r)
                                        for r in filters.eaddress_types),
            primary_only=filters.primary_only,
            ignore_contact_permissions=filters.ignore_contact_permissions,
            permissions_integrated=permissions_integrated),
        # a schedule form Callboard does not know is never due
        schedule=sync.schedule if sync.schedule is not None and sync.schedule.known else None,
        notify=tuple(sync.notify), enabled=sync.enabled, description=sync.description,
        runner=sync.runner, applied_runner=record.fields.get("runner"),
        resync=getattr(sync, "resync", "audit"),
        output_set_id=(int(contact.output_set.id) if contact and contact.output_set else None),
        contact_fields=_carried(record, contact, fields or {}))


def _carried(record: ResourceRecord, contact: Any, fields: Mapping[str, CustomFieldFacts]
             ) -> tuple[CarriedField, ...]:
    """The live contact data's fields with their ids and types; one gone from Prospect2 since
    the sync was applied is an error, not a value silently dropped."""
    if contact is None:
        return ()
    carried = []
    for perstag, column in contact.fields.items():
        facts = fields.get(perstag)
        if facts is None:
            raise CallboardError(f"{record.address}: its contact_data fills the custom field "
                                 f"{perstag}, which no longer exists in Prospect2 (run "
                                 "'callboard plan' to see the drift)")
        carried.append(CarriedField(facts.field_id, perstag, column, facts.type, facts.options))
    return tuple(carried)


def refuse_prospect2_runs(definitions: list[SyncDefinition]) -> None:
    """Named syncs that Prospect2 runs itself are refused before any runs (exactly one engine
    runs a sync: a second one would tag from a baseline of its own). One handed to Prospect2
    in Prospect2 itself is told apart: Callboard applied callboard, so apply sets it back."""
    theirs = [d for d in definitions if d.run_by_prospect2]
    declared = [d for d in theirs if not d.runner_changed_outside]
    by_hand = [d for d in theirs if d.runner_changed_outside]
    reasons = []
    if declared:
        reasons.append(_refusal(declared, "runner: prospect2", "set runner: callboard in the "
                                "manifest and apply to run it here"))
    if by_hand:
        reasons.append(_refusal(by_hand, "runner: prospect2 in Prospect2, set there outside "
                                "Callboard (which last applied runner: callboard)",
                                "run 'callboard apply' to set it back to callboard and run "
                                "{it} here"))
    if reasons:
        raise CallboardError("\n".join(reasons))


def _refusal(syncs: list[SyncDefinition], runner: str, fix: str) -> str:
    it = "it" if len(syncs) == 1 else "them"
    return (f"{', '.join(d.address for d in syncs)}: {runner}, so Prospect2 runs {it} on its "
            "own schedule and 'callboard sync run' does not (two engines would tag from two "
            f"baselines); {fix.format(it=it)}, or see Prospect2's runs with 'callboard sync "
            "log'")


def _wire_id(record: ResourceRecord, field: str, ref: Ref | None) -> int:
    if ref is None or ref.id is None:
        raise CallboardError(f"{record.address}: the live Data Sync names no {field}")
    return int(ref.id)
