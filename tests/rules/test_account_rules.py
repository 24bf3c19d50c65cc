"""Seeds 000–003: the Tessitura-integration kinds need an account connected to Tessitura."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.rule_support import workspace

pytestmark = pytest.mark.anyio


async def test_part_b_kinds_refuse_an_account_not_connected_to_tessitura(
        tmp_path: Path) -> None:
    """CSI webhooks, Data Syncs and writebacks each get one clear message; tags, which are
    plain ActiveCampaign, are not refused."""
    why = ("this Prospect2 account is not connected to Tessitura (tessituraConnected is false), "
           "so it has no CSI webhooks, Data Syncs or writebacks: connect the account to "
           "Tessitura in Prospect2 first, or remove this resource")
    async with workspace(tmp_path / "off", account={"tessituraConnected": False}) as ws:
        ws.use_case("part_b_disconnected")
        assert (await ws.refused()).splitlines() == [
            f"manifests/part_b_disconnected.yaml:14: campaign_writebacks.subscriptions: {why}",
            f"manifests/part_b_disconnected.yaml:9: csi_webhooks.vip-feedback: {why}",
            f"manifests/part_b_disconnected.yaml:4: data_syncs.members: {why}",
        ]
        assert ws.state.resources() == {}
    async with workspace(tmp_path / "on") as ws:
        ws.use_case("part_b_disconnected")
        plan = await ws.plan()
        assert {c.address for c in plan.changes} == {
            "tags.members-active", "data_syncs.members", "csi_webhooks.vip-feedback",
            "campaign_writebacks.subscriptions"}
