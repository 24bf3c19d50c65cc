"""The ``csi_webhooks`` kind (seeds 000, 001): plan, apply and list round trips."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from provider_support import AnswerLosingTransport

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
            "contact_method": "E-mail", "activity_type": "Performance Feedback",
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
        [wire] = (await ws.api("GET", "/tessitura/csiWebhooks")).json()["csiWebhooks"]
        types = (await ws.tessitura("GET", "/ReferenceData/ActivityTypes")).json()
        # recorded in words although the type was made moments before the webhook
        recorded = ws.state.get("csi_webhooks.web-inquiry")
        assert recorded is not None and recorded.fields["activity_type"] == "Pro2 Web Inquiry"
        drift = await ws.drift()  # the seeded activity types are unmanaged
        assert [i.address for i in drift.items if i.type != "unmanaged"] == []
    [made] = [t["Id"] for t in types if t["Description"] == "Pro2 Web Inquiry"]
    assert made not in (10, 11, 12, 13, 14)  # not one of the seeded activity types
    assert (live.fields["activity_type"], wire["activityTypeId"]) == ("Pro2 Web Inquiry", made)


async def test_references_written_any_way_are_shown_and_kept_as_descriptions(
        tmp_path: Path) -> None:
    """A contact method given by id and an activity type in other case read back as the
    Tessitura descriptions, in the plan, in state and in every later plan and drift."""
    async with workspace(tmp_path) as ws:
        ws.write(WEBHOOK.format(notes="x", enabled="true")
                 .replace("contact_method: E-mail", "contact_method: {id: 1}")
                 .replace("activity_type: Performance Feedback",
                          "activity_type: performance feedback"))
        plan = await ws.plan_and_apply()
        [change] = plan.changes
        assert (change.after["contact_method"], change.after["activity_type"]) == (
            "E-mail", "Performance Feedback")
        [wire] = (await ws.api("GET", "/tessitura/csiWebhooks")).json()["csiWebhooks"]
        assert (wire["contactMethodId"], wire["activityTypeId"]) == (1, 11)
        recorded = ws.state.get("csi_webhooks.vip-feedback")
        assert recorded is not None and recorded.fields == change.after
        assert (await ws.plan()).changes == []
        drift = await ws.drift()
        assert (drift.has_drift, drift.items) == (False, [])


@pytest.mark.parametrize("drop_connection", [False, True], ids=["502", "connection-reset"])
async def test_a_lost_create_answer_leaves_one_webhook(tmp_path: Path,
                                                       drop_connection: bool) -> None:
    """The POST reached Prospect2 but its answer was lost: apply finds the webhook by its
    title instead of creating a second one, and records it."""
    async with workspace(tmp_path) as ws:
        ws.write(WEBHOOK.format(notes="x", enabled="true"))
        plan = await ws.plan()
        losing = AnswerLosingTransport(ws.transport, "/api/3/tessitura/csiWebhooks",
                                       drop_connection=drop_connection)
        await replace(ws, transport=losing).apply(plan)
        assert losing.lost == 1
        wire = (await ws.api("GET", "/tessitura/csiWebhooks")).json()["csiWebhooks"]
        assert [w["title"] for w in wire] == ["VIP feedback"]
        recorded = ws.state.get("csi_webhooks.vip-feedback")
        assert recorded is not None and recorded.remote_id == str(wire[0]["id"])
        assert (await ws.plan()).changes == []


INTEGRATION_FIELDS = """
csi_webhooks:
  custom-view-feedback:
    title: Custom View feedback
    contact_method: E-mail
    activity_type: Performance Feedback
    performance_field: CUSTOM__LAST_PERF_NO
    note_fields: [ORDER__PERF_NO, PERFDATA__PERF_NO, CUSTOM__SEAT]
"""


async def test_integration_fields_that_no_contact_holds_yet_are_applied(
        tmp_path: Path) -> None:
    """Seed 001: Prospect2 fills PERFDATA__PERF_NO, ORDER__PERF_NO and CUSTOM__* itself, so a
    webhook naming one that is not (yet) a custom field of the account is accepted."""
    async with workspace(tmp_path) as ws:
        fields = (await ws.api("GET", "/fields")).json()["fields"]
        assert not {"CUSTOM__LAST_PERF_NO", "ORDER__PERF_NO", "CUSTOM__SEAT"} & {
            f["perstag"] for f in fields}
        ws.write(INTEGRATION_FIELDS)
        await ws.plan_and_apply()
        [wire] = (await ws.api("GET", "/tessitura/csiWebhooks")).json()["csiWebhooks"]
        assert (wire["performanceField"], wire["noteFields"]) == (
            "CUSTOM__LAST_PERF_NO", ["ORDER__PERF_NO", "PERFDATA__PERF_NO", "CUSTOM__SEAT"])
        assert (await ws.plan()).changes == []
        # any other perstag still has to be a custom field of the account
        refused = await ws.api("POST", "/tessitura/csiWebhooks", {"csiWebhook": {
            "title": "Typo", "contactMethodId": 1, "activityTypeId": 10,
            "noteFields": ["SEAT_LOCATON"]}})
        assert refused.status_code == 422
        assert "SEAT_LOCATON" in refused.text
