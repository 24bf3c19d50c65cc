"""Which Data Sync a run means: the live sync, read as the run needs it (engine/sync/definition)."""

from __future__ import annotations

import pytest

from engine.errors import CallboardError
from engine.references import Ref
from engine.state.base import ResourceRecord
from engine.sync.contact_data import CarriedField
from engine.sync.definition import SyncDefinition, definition_of
from engine.sync.filters import AddressFilter
from engine.sync.ports import CustomFieldFacts
from engine.sync.schedule import Schedule
from providers.prospect2.kinds.data_syncs import DataSyncSpec, SyncFilters
from providers.prospect2.kinds.sync_contact_data import ContactData

RECORD = ResourceRecord("data_syncs.members", "data_syncs", "members", "41")
LIVE = DataSyncSpec.model_construct(
    name="members", list=Ref("tessitura.lists", 101, "Members - Current"), tag="Member",
    mode="add_and_remove", trigger_webhooks=True, trigger_automations=False,
    filters=SyncFilters.model_construct(
        contact_point_purposes=[Ref("tessitura.contact_point_purposes", 1, None)],
        eaddress_types=[Ref("tessitura.eaddress_types", 2, "Primary e-mail")],
        primary_only=True, ignore_contact_permissions=True),
    schedule=Schedule(daily="02:00"), notify=["ops@example.org"], description="board",
    enabled=True, runner="callboard", resync="values",
    contact_data=ContactData.model_construct(
        output_set=Ref("tessitura.output_sets", 31, "Pro2 Member Data"),
        fields={"LEVEL": "Membership Level"}))


FIELDS = {"LEVEL": CustomFieldFacts("7", "LEVEL", "dropdown", ("Friend", "Patron"))}


def test_a_run_reads_the_live_sync_whole() -> None:
    assert definition_of(RECORD, LIVE, permissions_integrated=False,
                         fields=FIELDS) == SyncDefinition(
        address="data_syncs.members", name="members", sync_id="41", list_id=101, tag="Member",
        mode="add_and_remove", trigger_webhooks=True, trigger_automations=False,
        address_filter=AddressFilter(purpose_ids=frozenset({1}),
                                     eaddress_type_ids=frozenset({2}), primary_only=True,
                                     ignore_contact_permissions=True,
                                     permissions_integrated=False),
        schedule=Schedule(daily="02:00"), notify=("ops@example.org",), enabled=True,
        description="board", runner="callboard", resync="values", output_set_id=31,
        contact_fields=(CarriedField("7", "LEVEL", "Membership Level", "dropdown",
                                     ("Friend", "Patron")),))


NO_ID_LIST = {"list": Ref("tessitura.lists", None, "Members - Current")}
NO_ID_PURPOSE = {"filters": LIVE.filters.model_copy(update={
    "contact_point_purposes": [Ref("tessitura.contact_point_purposes", None, "Newsletter")]})}
NO_ID_TYPE = {"filters": LIVE.filters.model_copy(update={
    "eaddress_types": [Ref("tessitura.eaddress_types", None, "Work e-mail")]})}


@pytest.mark.parametrize(("lost", "field"), [
    (NO_ID_LIST, "list"), (NO_ID_PURPOSE, "filters.contact_point_purposes"),
    (NO_ID_TYPE, "filters.eaddress_types")])
def test_a_live_sync_naming_something_without_its_id_is_an_error_naming_it(
        lost: dict[str, object], field: str) -> None:
    with pytest.raises(CallboardError) as refused:
        definition_of(RECORD, LIVE.model_copy(update=lost), fields=FIELDS)
    assert str(refused.value) == f"data_syncs.members: the live Data Sync names no {field}"


def test_a_custom_field_gone_from_prospect2_is_an_error_not_a_value_dropped() -> None:
    with pytest.raises(CallboardError) as refused:
        definition_of(RECORD, LIVE, fields={})
    assert str(refused.value) == (
        "data_syncs.members: its contact_data fills the custom field LEVEL, which no longer "
        "exists in Prospect2 (run 'callboard plan' to see the drift)")


def test_a_schedule_callboard_does_not_know_is_never_due() -> None:
    odd = LIVE.model_copy(update={"schedule": Schedule.from_live({"frequency": "hourly"})})
    assert definition_of(RECORD, odd, fields=FIELDS).schedule is None
