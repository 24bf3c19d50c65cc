"""Typed values end to end: references compared by id and shown by label, ids a plan pins,
and a live Data Sync read once into what a run needs."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError

from engine.apply.executor import apply_plan
from engine.errors import ManifestErrors
from engine.kinds import ReferenceRow
from engine.manifests.loader import load_manifests
from engine.plan.model import Plan
from engine.providers import KindRegistry, provider_classes
from engine.references import (
    Ref,
    ReferenceTo,
    pinned_ids,
    resolve_pending,
    with_ids,
)
from engine.state.base import ResourceRecord
from engine.sync.definition import definition_of
from engine.sync.schedule import Schedule
from providers.prospect2.kinds.data_syncs import DataSyncSpec, SyncFilters
from tests.rules.rule_support import workspace

LISTS = "tessitura.lists"
ROWS = [ReferenceRow(101, "Members - Current"), ReferenceRow(102, "Gala"),
        ReferenceRow(103, "Gala")]


class Holder(BaseModel):
    one: Annotated[Ref, ReferenceTo(LISTS)]
    many: list[Annotated[Ref, ReferenceTo(LISTS)]] = []


def test_a_reference_is_compared_by_id_and_shown_by_label() -> None:
    assert Ref(LISTS, 101, "Members - Current") == Ref(LISTS, "101", None)
    assert Ref(LISTS, 101, "Members - Current") != Ref(LISTS, 102, "Members - Current")
    assert Ref(LISTS, None, "members - current") == Ref(LISTS, 101, "Members - Current")
    assert Ref(LISTS, 101) != Ref("tessitura.appeals", 101)
    assert Ref.of_row(LISTS, ROWS[0], ROWS).shown == "Members - Current"
    assert Ref.of_row(LISTS, ROWS[1], ROWS).shown == {"id": 102}  # "Gala" names two rows
    assert Ref(LISTS, 7).describe() == "id 7"


def test_a_manifest_names_a_row_by_description_or_id_only() -> None:
    held = Holder.model_validate({"one": "Gala", "many": [{"id": 101}]})
    assert (held.one, held.many) == (Ref(LISTS, None, "Gala"), [Ref(LISTS, 101)])
    assert held.model_dump(mode="json") == {"one": "Gala", "many": [{"id": 101}]}
    for bad in (3, {"id": "x"}, {"id": 1, "more": 2}, None):
        with pytest.raises(ValidationError, match="expected a description or"):
            Holder.model_validate({"one": bad})


def test_a_plan_pins_the_ids_it_resolved_and_apply_finds_the_others() -> None:
    resolved = Holder(one=Ref(LISTS, 101, "Members - Current"),
                      many=[Ref(LISTS, None, "Members - Current"), Ref(LISTS, 103)])
    ids = pinned_ids(resolved)
    assert ids == {"one": 101, "many.1": 103}
    planned = Holder.model_validate(resolved.model_dump(mode="json"))  # a saved plan
    assert planned.one.id is None
    pinned = with_ids(planned, ids)
    assert (pinned.one.id, pinned.many[0].id, pinned.many[1].id) == (101, None, 103)

    async def rows(table: str) -> list[ReferenceRow]:
        assert table == LISTS
        return ROWS

    ready = asyncio.run(resolve_pending(pinned, rows))
    assert [r.id for r in (ready.one, *ready.many)] == [101, 101, 103]


def test_a_live_data_sync_is_what_a_run_needs_without_a_lookup() -> None:
    live = DataSyncSpec.model_construct(
        name="members", list=Ref(LISTS, 101, "Members - Current"), tag="Member - Active",
        mode="add_and_remove", trigger_webhooks=False, trigger_automations=True,
        filters=SyncFilters.model_construct(
            contact_point_purposes=[Ref("tessitura.contact_point_purposes", 1, None)],
            eaddress_types=[Ref("tessitura.eaddress_types", 2, "Primary e-mail")],
            primary_only=True, ignore_contact_permissions=False),
        schedule=Schedule(daily="02:00"), notify=["ops@example.org"], description="",
        enabled=True)
    record = ResourceRecord("data_syncs.members", "data_syncs", "members", "41")
    definition = definition_of(record, live)
    assert (definition.list_id, definition.address_filter.purpose_ids,
            definition.address_filter.eaddress_type_ids) == (101, frozenset({1}),
                                                             frozenset({2}))
    assert definition.schedule == Schedule(daily="02:00") and definition.sync_id == "41"
    odd = live.model_copy(update={"schedule": Schedule.from_live({"frequency": "hourly"})})
    assert definition_of(record, odd).schedule is None  # never due


def test_a_schedule_callboard_does_not_know_is_shown_as_sent() -> None:
    odd = Schedule.from_live({"frequency": "hourly", "time": "01:00"})
    assert not odd.known
    assert odd.model_dump(mode="json") == {"frequency": "hourly", "time": "01:00"}
    assert odd != Schedule(daily="01:00")
    assert Schedule.from_live({"frequency": "daily", "time": "01:00"}) == Schedule(daily="01:00")


def test_apply_writes_the_ids_the_plan_showed(tmp_path: Path) -> None:
    """A saved plan carries the ids its references resolved to: apply writes those, without
    matching the plan's words again (here the words no longer name any list)."""
    async def scenario() -> None:
        async with workspace(tmp_path) as ws:
            ws.write("tags:\n  members: {name: Member - Active}\n"
                     "data_syncs:\n  members:\n    list: Members - Current\n"
                     "    tag: members\n    schedule: {daily: \"02:00\"}\n")
            plan = await ws.plan()
            sync = plan.changes[-1]
            assert (sync.after["list"], sync.ref_ids) == ("Members - Current", {"list": 101})
            sync.after["list"] = "A list renamed since"
            await ws.apply(plan)
            [wire] = (await ws.api("GET", "/tessitura/dataSyncs")).json()["dataSyncs"]
            assert wire["listManagerListId"] == 101

    asyncio.run(scenario())


def test_a_saved_plan_applies_the_same_as_one_in_memory(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with workspace(tmp_path) as ws:
            ws.write("campaign_writebacks:\n  subs:\n    match: {campaign_name: SUBS *}\n"
                     "    appeal: FY27 Subscriptions\n    source_group: Email Marketing\n")
            plan = await ws.plan()
            session = ws.session()
            try:
                await apply_plan(session, Plan.from_dict(plan.to_dict()), ws.state,
                                 saved=True)
            finally:
                await session.aclose()
            [wire] = (await ws.api("GET", "/tessitura/writebackMappings")).json()[
                "writebackMappings"]
            assert {k: wire[k] for k in ("appealId", "mediaTypeId")} == {
                "appealId": plan.changes[0].ref_ids["appeal"], "mediaTypeId": 7}
            assert (await ws.plan()).changes == []

    asyncio.run(scenario())


def test_a_field_the_name_fills_cannot_be_written(tmp_path: Path) -> None:
    """A T_DEFAULTS row's FieldName is its NAME: the model holds it, the manifest may not."""
    (tmp_path / "m.yaml").write_text(
        "tessitura_defaults:\n  P2DSTrackChanges:\n    field_name: Other\n    value: 'YES'\n")
    with pytest.raises(ManifestErrors) as refused:
        load_manifests(tmp_path, KindRegistry(provider_classes()), display_root=tmp_path)
    assert str(refused.value) == (
        "m.yaml:3: tessitura_defaults.P2DSTrackChanges.field_name: unknown field 'field_name'; "
        "allowed: lifecycle, value, parent_table")
