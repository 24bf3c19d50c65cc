"""The ``csi_webhooks`` kind (seeds 000, 001): plan, apply and list round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.providers import ProviderContext, provider_classes
from engine.session import Session
from tests.rules.rule_support import ENV, Workspace, workspace

pytestmark = pytest.mark.anyio

WEBHOOK = """
csi_webhooks:
  vip-feedback:
    title: VIP feedback
    description: Box office follows up within a day
    contact_method: E-mail
    activity_type: Performance Feedback
    performance_field: AMAHL_PERF_NO
    notes: {notes}
    note_fields: [SEAT_LOCATION]
    urgent: true
    enabled: {enabled}
"""


async def live_webhooks(ws: Workspace) -> list:
    session = Session(provider_classes(), ProviderContext(env=ENV, transport=ws.transport))
    try:
        return await session.handler("csi_webhooks").list()
    finally:
        await session.aclose()


async def test_create_list_update_delete_round_trip(tmp_path: Path) -> None:
    async with workspace(tmp_path) as ws:
        ws.write(WEBHOOK.format(notes="Patron replied.", enabled="true"))
        created = await ws.plan_and_apply()
        assert [(c.action, c.address) for c in created.changes] == [
            ("create", "csi_webhooks.vip-feedback")]
        [live] = await live_webhooks(ws)
        assert live.fields == created.changes[0].after == {
            "title": "VIP feedback", "description": "Box office follows up within a day",
            "contact_method": {"id": 1}, "activity_type": {"id": 11},
            "performance_field": "AMAHL_PERF_NO", "notes": "Patron replied.",
            "note_fields": ["SEAT_LOCATION"], "urgent": True, "enabled": True}
        assert (await ws.plan()).changes == []

        ws.write(WEBHOOK.format(notes="Patron replied twice.", enabled="false"))
        update = await ws.plan()
        [change] = update.changes
        assert (change.action, [(d.field, d.before, d.after) for d in change.diffs]) == (
            "update", [("notes", "Patron replied.", "Patron replied twice."),
                       ("enabled", True, False)])
        await ws.apply(update)
        [updated] = await live_webhooks(ws)
        assert (updated.remote_id, updated.fields["enabled"]) == (live.remote_id, False)
        assert (await ws.plan()).changes == []

        ws.write("")
        delete = await ws.plan()
        assert [(c.action, c.impact) for c in delete.changes] == [
            ("delete", "automations using its URL stop creating CSIs")]
        await ws.apply(delete)
        assert await live_webhooks(ws) == []


async def test_the_url_is_a_secret_never_a_field(tmp_path: Path) -> None:
    async with workspace(tmp_path) as ws:
        ws.write(WEBHOOK.format(notes="x", enabled="true"))
        plan = await ws.plan_and_apply()
        [live] = await live_webhooks(ws)
        wire = (await ws.api("GET", f"/tessitura/csiWebhooks/{live.remote_id}")).json()
        recorded = ws.state.get("csi_webhooks.vip-feedback")
    url = wire["csiWebhook"]["url"]
    assert url and live.secrets == {"url": url}
    assert "url" not in live.fields
    assert url not in repr(live.fields) and url not in repr(plan.to_dict())
    assert plan.secret_fields == {"csi_webhooks": ["url"]}
    assert recorded is not None and recorded.fields == live.fields  # state holds no secret


async def test_a_declared_activity_type_is_created_first_and_used(tmp_path: Path) -> None:
    """Seed 001's way out of an Origin: a dedicated activity type, made in the same apply."""
    async with workspace(tmp_path) as ws:
        ws.use_case("csi_origin_activity_type.good")
        await ws.plan_and_apply()
        [live] = await live_webhooks(ws)
        types = (await ws.api("GET", "/tessitura/csiWebhooks")).json()["csiWebhooks"]
    new_type = live.fields["activity_type"]["id"]
    assert new_type not in (10, 11, 12, 13, 14)  # not one of the seeded activity types
    assert types[0]["activityTypeId"] == new_type
