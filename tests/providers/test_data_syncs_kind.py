"""The ``data_syncs`` kind (seed 003): round trips, and the tag that never changes while ON."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from provider_support import AnswerLosingTransport
from pyroaring import BitMap

from engine.state.base import SyncBaseline
from engine.sync.delta import dump_bitmap
from providers.prospect2.kinds.data_syncs import DataSyncsKind, DataSyncSpec
from tests.rules.rule_support import Workspace, workspace

pytestmark = pytest.mark.anyio

SYNC = """
tags:
  members-active: {{name: Member - Active}}
  members-current: {{name: Member - Current}}

data_syncs:
  members:
    list: Members - Current
    tag: {tag}
    mode: {mode}
    trigger_automations: true
    filters:
      contact_point_purposes: [Newsletter]
      eaddress_types: [Primary e-mail]
      primary_only: true
    schedule: {{every: {{minutes: 30, from: "06:00"}}}}
    notify: [ops@example.org]
    description: Members get the tag
    enabled: {enabled}
"""


def manifest(tag: str = "members-active", mode: str = "add_only",
             enabled: str = "true") -> str:
    return SYNC.format(tag=tag, mode=mode, enabled=enabled)


async def wire_syncs(ws: Workspace) -> list[dict]:
    return (await ws.api("GET", "/tessitura/dataSyncs")).json()["dataSyncs"]


async def test_create_list_update_delete_round_trip(tmp_path: Path) -> None:
    async with workspace(tmp_path) as ws:
        ws.write(manifest())
        created = await ws.plan_and_apply()
        [sync] = await wire_syncs(ws)
        assert {k: sync[k] for k in ("name", "listManagerListId", "tag", "mode",
                                     "contactPointPurposeIds", "eaddressTypeIds", "schedule",
                                     "active")} == {
            "name": "members", "listManagerListId": 101, "tag": "Member - Active",
            "mode": "add_only", "contactPointPurposeIds": [1], "eaddressTypeIds": [1],
            "schedule": {"frequency": "multi_daily", "time": "06:00", "everyMinutes": 30},
            "active": True}
        assert created.changes[-1].after["schedule"] == {"every": {"minutes": 30,
                                                                   "from": "06:00"}}
        assert (await ws.plan()).changes == []

        ws.write(manifest(mode="add_and_remove"))
        update = await ws.plan()
        assert [(c.action, c.address, [d.field for d in c.diffs]) for c in update.changes] == [
            ("update", "data_syncs.members", ["mode"])]
        await ws.apply(update)
        assert [s["mode"] for s in await wire_syncs(ws)] == ["add_and_remove"]
        assert (await ws.plan()).changes == []

        ws.write(manifest(mode="add_and_remove").split("data_syncs:")[0])
        delete = await ws.plan()
        assert [(c.action, c.address, c.impact) for c in delete.changes] == [
            ("delete", "data_syncs.members",
             "list 'Members - Current' no longer adds or removes the tag 'Member - Active'; "
             "the tag stays on the contacts that carry it")]
        puts = await ws.count("PUT /api/3/tessitura/dataSyncs/{id}")
        await ws.apply(delete)
        assert await wire_syncs(ws) == []
        # turned OFF first, so a run starting meanwhile finds it OFF
        assert await ws.count("PUT /api/3/tessitura/dataSyncs/{id}") == puts + 1
        assert await ws.count("DELETE /api/3/tessitura/dataSyncs/{id}") == 1


@pytest.mark.parametrize("enabled", ["true", "false"])
async def test_changing_the_tag_replaces_the_sync_enabled_or_not(tmp_path: Path,
                                                                 enabled: str) -> None:
    """Seed 003: "If you need to change or update the tag … create a new Data Sync: Tag". The
    baseline belongs to the old tag, so the new sync (made before the old one goes) starts
    from an empty one, and the plan says the old tag stays on its contacts."""
    async with workspace(tmp_path) as ws:
        ws.write(manifest(enabled=enabled))
        await ws.plan_and_apply()
        [old] = await wire_syncs(ws)
        ws.state.finish_sync_plan(str(old["id"]), "r1", SyncBaseline(
            str(old["id"]), dump_bitmap(BitMap([1001, 1002]))), [], [])
        ws.write(manifest(tag="members-current", enabled=enabled))
        plan = await ws.plan()
        [change] = plan.changes
        assert (change.action, change.replace_reason, change.impact) == (
            "replace", "tag", "list 'Members - Current' no longer adds the tag 'Member - "
            "Active'; the tag stays on the contacts that carry it; its baseline holds 2 "
            "constituents")
        assert plan.estimates["prospect2"]["calls"] == 3
        await ws.apply(plan)
        [new] = await wire_syncs(ws)
        assert (new["name"], new["tag"], new["active"]) == (
            "members", "Member - Current", enabled == "true")
        assert new["id"] != old["id"]
        assert ws.state.sync_baseline(str(new["id"])) is None  # a new, empty baseline
        assert (await ws.plan()).changes == []
        assert ws.state.get("data_syncs.members").remote_id == str(new["id"])


def test_a_tag_change_is_a_replace_whatever_enabled_says() -> None:
    kind = DataSyncsKind()
    for enabled in (True, False):
        live = DataSyncSpec.model_construct(name="members", tag="Member - Active",
                                            enabled=enabled)
        assert kind.replace_reason(live, live.model_copy(update={"tag": "Member - Current"})
                                   ) == "tag"
        assert kind.replace_reason(live, live.model_copy(update={"description": "d"})) is None


async def test_trigger_automations_is_on_unless_unchecked(tmp_path: Path) -> None:
    """Seed 003: "unchecking this box will allow the Import to process faster": it is on by
    default."""
    async with workspace(tmp_path) as ws:
        ws.write(manifest().replace("    trigger_automations: true\n", ""))
        plan = await ws.plan_and_apply()
        assert plan.changes[-1].after["trigger_automations"] is True
        [sync] = await wire_syncs(ws)
        assert sync["triggerAutomations"] is True


async def test_references_written_any_way_are_shown_and_kept_as_descriptions(
        tmp_path: Path) -> None:
    """The list by id and filters in other case read back as the Tessitura descriptions, in
    the plan, in state and in every later plan and drift."""
    async with workspace(tmp_path) as ws:
        ws.write(manifest().replace("list: Members - Current", "list: {id: 101}")
                 .replace("[Newsletter]", "[newsletter, {id: 2}]")
                 .replace("[Primary e-mail]", "[PRIMARY E-MAIL]"))
        plan = await ws.plan_and_apply()
        after = plan.changes[-1].after
        assert (after["list"], after["filters"]["contact_point_purposes"],
                after["filters"]["eaddress_types"]) == (
            "Members - Current", ["Newsletter", "Season Announcements"], ["Primary e-mail"])
        [sync] = await wire_syncs(ws)
        assert (sync["listManagerListId"], sync["contactPointPurposeIds"],
                sync["eaddressTypeIds"]) == (101, [1, 2], [1])
        recorded = ws.state.get("data_syncs.members")
        assert recorded is not None and recorded.fields == after
        assert (await ws.plan()).changes == []
        drift = await ws.drift()  # the seeded tags are unmanaged; the sync is clean
        assert [i for i in drift.items if i.kind == "data_syncs"] == []


async def test_a_lost_create_answer_leaves_one_sync(tmp_path: Path) -> None:
    """The POST reached Prospect2 but its answer was lost: apply finds the sync (same name,
    tag and list) instead of creating a second one, and records it."""
    async with workspace(tmp_path) as ws:
        ws.write(manifest())
        plan = await ws.plan()
        losing = AnswerLosingTransport(ws.transport, "/api/3/tessitura/dataSyncs")
        await replace(ws, transport=losing).apply(plan)
        assert losing.lost == 1
        [sync] = await wire_syncs(ws)
        recorded = ws.state.get("data_syncs.members")
        assert recorded is not None and recorded.remote_id == str(sync["id"])
        assert recorded.fields["list"] == "Members - Current"
        assert (await ws.plan()).changes == []
