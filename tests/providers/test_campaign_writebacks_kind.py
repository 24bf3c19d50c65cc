"""The ``campaign_writebacks`` kind (seed 002): plan, apply and list round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.rule_support import workspace

pytestmark = pytest.mark.anyio

MAPPING = """
campaign_writebacks:
  subscriptions:
    match: {match}
    appeal: FY27 Subscriptions
    source_group: {source_group}
"""


async def test_create_list_update_delete_round_trip(tmp_path: Path) -> None:
    async with workspace(tmp_path) as ws:
        ws.write(MAPPING.format(match='{campaign_name: "SUBS *"}', source_group="Email Marketing"))
        created = await ws.plan_and_apply()
        wire = (await ws.api("GET", "/tessitura/writebackMappings")).json()["writebackMappings"]
        assert [(m["name"], m["match"], m["appealId"], m["sourceGroupId"], m["mediaTypeId"])
                for m in wire] == [("subscriptions", {"campaignName": "SUBS *"}, 501, 21, 7)]
        assert created.changes[0].after == {
            "name": "subscriptions", "match": {"campaign_name": "SUBS *"},
            "appeal": {"id": 501}, "source_group": {"id": 21}, "media_type": {"id": 7}}
        assert (await ws.plan()).changes == []

        ws.write(MAPPING.format(match="{campaign_tag: subscriptions}", source_group="Direct Mail"))
        update = await ws.plan()
        assert [(d.field, d.after) for d in update.changes[0].diffs] == [
            ("match", {"campaign_tag": "subscriptions"}), ("source_group", {"id": 22})]
        await ws.apply(update)
        assert (await ws.plan()).changes == []
        wire = (await ws.api("GET", "/tessitura/writebackMappings")).json()["writebackMappings"]
        assert [(m["match"], m["sourceGroupId"]) for m in wire] == [
            ({"campaignTag": "subscriptions"}, 22)]

        ws.write("")
        delete = await ws.plan()
        assert [(c.action, c.impact) for c in delete.changes] == [
            ("delete", "campaigns it matches are no longer written back to Tessitura")]
        await ws.apply(delete)
        answer = (await ws.api("GET", "/tessitura/writebackMappings")).json()
        assert answer["writebackMappings"] == []
