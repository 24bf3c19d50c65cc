"""The ``campaign_writebacks`` kind (seed 002): plan, apply and list round trips."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from provider_support import AnswerLosingTransport

from tests.rules.rule_support import Workspace, workspace

pytestmark = pytest.mark.anyio

MAPPING = """
campaign_writebacks:
  subscriptions:
    match: {match}
    appeal: FY27 Subscriptions
    source_group: {source_group}
"""


async def wire_mappings(ws: Workspace) -> list[dict]:
    return (await ws.api("GET", "/tessitura/writebackMappings")).json()["writebackMappings"]


async def test_create_list_update_delete_round_trip(tmp_path: Path) -> None:
    async with workspace(tmp_path) as ws:
        ws.write(MAPPING.format(match='{campaign_name: "SUBS *"}', source_group="Email Marketing"))
        created = await ws.plan_and_apply()
        wire = (await ws.api("GET", "/tessitura/writebackMappings")).json()["writebackMappings"]
        assert [(m["name"], m["match"], m["appealId"], m["sourceGroupId"], m["mediaTypeId"])
                for m in wire] == [("subscriptions", {"campaignName": "SUBS *"}, 501, 21, 7)]
        assert created.changes[0].after == {
            "name": "subscriptions", "match": {"campaign_name": "SUBS *"},
            "appeal": "FY27 Subscriptions", "source_group": "Email Marketing",
            "media_type": "E-mail", "since": None}  # none given: Prospect2 says the day made
        assert [m["since"] for m in wire] == ["2026-09-01"]  # the emulator's today
        assert (await ws.plan()).changes == []

        ws.write(MAPPING.format(match="{campaign_tag: Subscriber - FY26}",  # a live tag
                                source_group="Direct Mail"))
        update = await ws.plan()
        assert [(d.field, d.after) for d in update.changes[0].diffs] == [
            ("match", {"campaign_tag": "Subscriber - FY26"}), ("source_group", "Direct Mail")]
        await ws.apply(update)
        assert (await ws.plan()).changes == []
        wire = (await ws.api("GET", "/tessitura/writebackMappings")).json()["writebackMappings"]
        assert [(m["match"], m["sourceGroupId"]) for m in wire] == [
            ({"campaignTag": "Subscriber - FY26"}, 22)]

        ws.write("")
        delete = await ws.plan()
        assert [(c.action, c.impact) for c in delete.changes] == [
            ("delete", "campaigns it matches are no longer written back to Tessitura")]
        await ws.apply(delete)
        answer = (await ws.api("GET", "/tessitura/writebackMappings")).json()
        assert answer["writebackMappings"] == []


async def test_references_written_any_way_are_shown_and_kept_as_descriptions(
        tmp_path: Path) -> None:
    """An appeal by id, a source group in other case and the media type in the campaign
    form's ``7: E-mail`` spelling read back as the Tessitura descriptions, in the plan, in
    state and in every later plan and drift."""
    async with workspace(tmp_path) as ws:
        ws.write(MAPPING.format(match='{campaign_name: "SUBS *"}', source_group="email marketing")
                 .replace("appeal: FY27 Subscriptions", "appeal: {id: 501}")
                 + '    media_type: "7: E-mail"\n')
        plan = await ws.plan_and_apply()
        [change] = plan.changes
        assert (change.after["appeal"], change.after["source_group"],
                change.after["media_type"]) == ("FY27 Subscriptions", "Email Marketing", "E-mail")
        [wire] = await wire_mappings(ws)
        assert (wire["appealId"], wire["sourceGroupId"], wire["mediaTypeId"]) == (501, 21, 7)
        recorded = ws.state.get("campaign_writebacks.subscriptions")
        assert recorded is not None
        assert recorded.fields == {**change.after, "since": "2026-09-01"}
        assert (await ws.plan()).changes == []
        drift = await ws.drift()
        assert (drift.has_drift, drift.items) == (False, [])


async def test_a_description_two_rows_share_is_held_as_an_id(tmp_path: Path) -> None:
    """When a second source group is described 'Email Marketing', the description no longer
    says which one: the manifest must use {id: N}, and plans, state and drift show it too."""
    async with workspace(tmp_path) as ws:
        made = await ws.tessitura("POST", "/ReferenceData/SourceGroups",
                                  {"Description": "Email Marketing"})
        assert made.status_code == 200, made.text
        twin = made.json()["Id"]
        ws.write(MAPPING.format(match='{campaign_name: "SUBS *"}', source_group="Email Marketing"))
        assert await ws.refused() == (
            "manifests/main.yaml:6: campaign_writebacks.subscriptions.source_group: 2 source "
            f"groups are described 'Email Marketing' (ids 21, {twin}); use {{id: N}} to say "
            "which")

        ws.write(MAPPING.format(match='{campaign_name: "SUBS *"}', source_group="{id: 21}"))
        plan = await ws.plan_and_apply()
        [change] = plan.changes
        assert (change.after["appeal"], change.after["source_group"]) == (
            "FY27 Subscriptions", {"id": 21})
        [wire] = await wire_mappings(ws)
        assert wire["sourceGroupId"] == 21
        recorded = ws.state.get("campaign_writebacks.subscriptions")
        assert recorded is not None and recorded.fields["source_group"] == {"id": 21}
        assert (await ws.plan()).changes == []
        assert not (await ws.drift()).has_drift


async def test_a_twin_added_in_tessitura_later_shows_as_drift_until_refreshed(
        tmp_path: Path) -> None:
    """A source group described like the one a mapping uses, added after apply, makes the
    recorded description ambiguous: drift says so, the manifest must switch to {id: N}, and
    ``plan --refresh-only`` records the id form. Prospect2 itself never changed."""
    async with workspace(tmp_path) as ws:
        ws.write(MAPPING.format(match='{campaign_name: "SUBS *"}', source_group="Email Marketing"))
        await ws.plan_and_apply()
        made = await ws.tessitura("POST", "/ReferenceData/SourceGroups",
                                  {"Description": "Email Marketing"})
        assert made.status_code == 200, made.text

        [item] = (await ws.drift()).items
        assert (item.type, [(d.field, d.before, d.after) for d in item.diffs]) == (
            "changed", [("source_group", "Email Marketing", {"id": 21})])
        assert "use {id: N} to say which" in await ws.refused()

        ws.write(MAPPING.format(match='{campaign_name: "SUBS *"}', source_group="{id: 21}"))
        assert (await ws.plan()).changes == []
        refresh = await ws.plan(refresh_only=True)
        assert [(c.action, c.address) for c in refresh.changes] == [
            ("update", "campaign_writebacks.subscriptions")]
        await ws.apply(refresh)
        assert not (await ws.drift()).has_drift
        [wire] = await wire_mappings(ws)
        assert wire["sourceGroupId"] == 21


@pytest.mark.parametrize("drop_connection", [False, True], ids=["502", "connection-reset"])
async def test_a_lost_create_answer_leaves_one_mapping(tmp_path: Path,
                                                       drop_connection: bool) -> None:
    """The POST reached Prospect2 but its answer was lost: apply finds the mapping by its
    name instead of creating a second one, and records it."""
    async with workspace(tmp_path) as ws:
        ws.write(MAPPING.format(match='{campaign_name: "SUBS *"}', source_group="Email Marketing"))
        plan = await ws.plan()
        losing = AnswerLosingTransport(ws.transport, "/api/3/tessitura/writebackMappings",
                                       drop_connection=drop_connection)
        await replace(ws, transport=losing).apply(plan)
        assert losing.lost == 1
        [mapping] = await wire_mappings(ws)
        assert mapping["name"] == "subscriptions"
        recorded = ws.state.get("campaign_writebacks.subscriptions")
        assert recorded is not None and recorded.remote_id == str(mapping["id"])
        assert (await ws.plan()).changes == []


async def test_since_is_sent_kept_and_changed_in_place(tmp_path: Path) -> None:
    """Seed 002 beyond its words: a mapping writes back campaigns sent from its ``since`` on.
    Omitted, the mapping keeps the day it holds (its creation day), so no plan ever shows a
    change nobody asked for."""
    base = MAPPING.format(match='{campaign_name: "SUBS *"}', source_group="Email Marketing")
    async with workspace(tmp_path) as ws:
        ws.write(base + "    since: 2026-08-01\n")
        created = await ws.plan_and_apply()
        assert created.changes[0].after["since"] == "2026-08-01"
        assert [m["since"] for m in await wire_mappings(ws)] == ["2026-08-01"]
        assert (await ws.plan()).changes == []
        ws.write(base)
        assert (await ws.plan()).changes == []
        ws.write(base + "    since: 2026-07-15\n")
        update = await ws.plan()
        assert [(d.field, d.before, d.after) for d in update.changes[0].diffs] == [
            ("since", "2026-08-01", "2026-07-15")]
        await ws.apply(update)
        assert [m["since"] for m in await wire_mappings(ws)] == ["2026-07-15"]
        ws.write(base + "    since: August\n")
        assert "since" in await ws.refused()
