"""The Prospect2 emulator as a client sees it: wire shapes, errors, paging and faults."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from providers.emulator_kit.control import EmulatorControl
from providers.prospect2.emulator.app import build_prospect2_app
from providers.prospect2.emulator.world import Prospect2World

pytestmark = pytest.mark.anyio
TOKEN = "test-token"


@pytest.fixture
def control() -> EmulatorControl:
    return EmulatorControl()


@pytest.fixture
async def api(control: EmulatorControl) -> AsyncIterator[httpx.AsyncClient]:
    app = build_prospect2_app(Prospect2World.seeded("small"), control, token=TOKEN)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://p2",
                                 headers={"Api-Token": TOKEN}) as client:
        yield client


def _error(response: httpx.Response) -> dict:
    errors = response.json()["errors"]
    assert len(errors) == 1
    return errors[0]


async def test_tag_list_has_the_activecampaign_shape(api: httpx.AsyncClient) -> None:
    body = (await api.get("/tags")).json()
    assert body["meta"] == {"total": str(len(body["tags"]))}
    newsletter = next(t for t in body["tags"] if t["tag"] == "Newsletter")
    assert newsletter["id"] == "1"
    assert newsletter["tagType"] == "contact"
    assert newsletter["description"] == "Monthly newsletter readers"


async def test_tag_create_get_update_delete(api: httpx.AsyncClient) -> None:
    created = await api.post("/tags", json={"tag": {"tag": "Member - Active",
                                                    "description": "Current members"}})
    assert created.status_code == 201
    tag = created.json()["tag"]
    assert isinstance(tag["id"], str) and tag["tagType"] == "contact"

    fetched = (await api.get(f"/tags/{tag['id']}")).json()["tag"]
    assert fetched["tag"] == "Member - Active" and fetched["subscriber_count"] == "0"

    updated = await api.put(f"/tags/{tag['id']}", json={"tag": {"description": "Members"}})
    assert updated.json()["tag"] == {**updated.json()["tag"], "tag": "Member - Active",
                                     "description": "Members"}

    assert (await api.delete(f"/tags/{tag['id']}")).status_code == 200
    gone = await api.get(f"/tags/{tag['id']}")
    assert gone.status_code == 404
    assert _error(gone)["title"] == "Not Found"


async def test_tag_search_is_contains(api: httpx.AsyncClient) -> None:
    names = [t["tag"] for t in (await api.get("/tags", params={"search": "sub"})).json()["tags"]]
    assert names == ["Subscriber - FY26"]


async def test_duplicate_tag_name_is_422_naming_the_field(api: httpx.AsyncClient) -> None:
    response = await api.post("/tags", json={"tag": {"tag": "newsletter"}})
    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "duplicate"
    assert error["source"] == {"pointer": "/data/attributes/tag"}


async def test_missing_tag_name_is_422(api: httpx.AsyncClient) -> None:
    response = await api.post("/tags", json={"tag": {"description": "no name"}})
    assert response.status_code == 422
    assert _error(response)["source"]["pointer"] == "/data/attributes/tag"


async def test_malformed_body_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post("/tags", content=b"{not json", headers={
        "Content-Type": "application/json"})
    assert response.status_code == 400
    assert "errors" in response.json()


async def test_auth_missing_token_401_wrong_token_403(control: EmulatorControl) -> None:
    app = build_prospect2_app(Prospect2World.seeded("small"), control, token=TOKEN)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://p2") as c:
        assert (await c.get("/tags")).status_code == 401
        wrong = await c.get("/tags", headers={"Api-Token": "nope"})
        assert wrong.status_code == 403
        assert _error(wrong)["title"]


async def test_contacts_page_with_limit_and_offset(api: httpx.AsyncClient) -> None:
    first = (await api.get("/contacts", params={"limit": 3})).json()
    assert first["meta"]["total"] == "100"  # the even half of 200 constituents
    assert [c["id"] for c in first["contacts"]] == ["1", "2", "3"]
    assert first["contacts"][0]["email"] == "patron1000@example.org"
    second = (await api.get("/contacts", params={"limit": 3, "offset": 3})).json()
    assert [c["id"] for c in second["contacts"]] == ["4", "5", "6"]
    default = (await api.get("/contacts")).json()
    assert len(default["contacts"]) == 20
    capped = (await api.get("/contacts", params={"limit": 500})).json()
    assert len(capped["contacts"]) == 100


async def test_contact_lookup_by_email_and_by_tag(api: httpx.AsyncClient) -> None:
    found = (await api.get("/contacts", params={"email": "PATRON1004@example.org"})).json()
    assert [c["id"] for c in found["contacts"]] == ["3"]
    assert (await api.get("/contacts", params={"email": "x@example.org"})).json() == {
        "contacts": [], "meta": {"total": "0"}}
    vip = (await api.get("/contacts", params={"tagid": "3", "limit": 100})).json()
    assert [c["id"] for c in vip["contacts"]] == ["25", "50", "75", "100"]


async def test_contact_create_update_delete_and_duplicate_email(api: httpx.AsyncClient) -> None:
    created = await api.post("/contacts", json={"contact": {
        "email": "new@example.org", "firstName": "Nova", "fieldValues": [
            {"field": "2", "value": "Row C Seat 4"}]}})
    assert created.status_code == 201
    contact = created.json()["contact"]
    assert created.json()["fieldValues"][0]["value"] == "Row C Seat 4"

    duplicate = await api.post("/contacts", json={"contact": {"email": "NEW@example.org"}})
    assert duplicate.status_code == 422
    assert _error(duplicate)["source"]["pointer"] == "/data/attributes/email"

    bad = await api.post("/contacts", json={"contact": {"email": "not-an-email"}})
    assert bad.status_code == 422 and _error(bad)["source"]["pointer"] == "/data/attributes/email"

    changed = await api.put(f"/contacts/{contact['id']}", json={"contact": {"lastName": "Star"}})
    assert changed.json()["contact"]["lastName"] == "Star"
    assert changed.json()["contact"]["firstName"] == "Nova"

    assert (await api.delete(f"/contacts/{contact['id']}")).status_code == 200
    assert (await api.get(f"/contacts/{contact['id']}")).status_code == 404


async def test_changing_a_seeded_contacts_email_frees_the_old_address(
        api: httpx.AsyncClient) -> None:
    await api.put("/contacts/1", json={"contact": {"email": "moved@example.org"}})
    assert (await api.get("/contacts", params={"email": "patron1000@example.org"})).json()[
        "contacts"] == []
    assert (await api.get("/contacts", params={"email": "moved@example.org"})).json()[
        "contacts"][0]["id"] == "1"


async def test_contact_sync_upserts_by_email(api: httpx.AsyncClient) -> None:
    created = await api.post("/contact/sync", json={"contact": {"email": "s@example.org"}})
    assert created.status_code == 201
    updated = await api.post("/contact/sync", json={"contact": {"email": "s@example.org",
                                                                "firstName": "Sol"}})
    assert updated.status_code == 200
    assert updated.json()["contact"]["id"] == created.json()["contact"]["id"]
    assert updated.json()["contact"]["firstName"] == "Sol"


async def test_contact_tags_are_removed_by_association_id(api: httpx.AsyncClient) -> None:
    tag_id = (await api.post("/tags", json={"tag": {"tag": "Fresh"}})).json()["tag"]["id"]
    added = await api.post("/contactTags", json={"contactTag": {"contact": "7", "tag": tag_id}})
    assert added.status_code == 201
    association = added.json()["contactTag"]
    assert association["contact"] == "7" and association["tag"] == tag_id
    assert association["id"] != tag_id

    listed = (await api.get("/contacts/7/contactTags")).json()["contactTags"]
    assert association["id"] in [a["id"] for a in listed]

    assert (await api.delete("/contactTags/999999")).status_code == 404
    assert (await api.delete(f"/contactTags/{association['id']}")).status_code == 200
    after = (await api.get("/contacts/7/contactTags")).json()["contactTags"]
    assert tag_id not in [a["tag"] for a in after]


async def test_custom_fields_crud_and_validation(api: httpx.AsyncClient) -> None:
    listed = (await api.get("/fields")).json()
    assert {f["perstag"] for f in listed["fields"]} >= {"AMAHL_PERF_NO", "SEAT_LOCATION",
                                                       "PERFDATA__PERF_NO"}
    created = await api.post("/fields", json={"field": {"title": "Donor Level", "type": "text"}})
    assert created.status_code == 201
    field = created.json()["field"]
    assert field["perstag"] == "DONOR_LEVEL" and field["visible"] == "1"

    same_perstag = await api.post("/fields", json={"field": {
        "title": "Other", "type": "text", "perstag": "donor_level"}})
    assert same_perstag.status_code == 422
    assert _error(same_perstag)["source"]["pointer"] == "/data/attributes/perstag"

    bad_type = await api.post("/fields", json={"field": {"title": "X", "type": "colour"}})
    assert bad_type.status_code == 422
    assert _error(bad_type)["source"]["pointer"] == "/data/attributes/type"

    updated = await api.put(f"/fields/{field['id']}", json={"field": {"type": "textarea"}})
    assert updated.json()["field"]["type"] == "textarea"
    assert (await api.get(f"/fields/{field['id']}")).json()["field"]["type"] == "textarea"
    assert (await api.delete(f"/fields/{field['id']}")).status_code == 200
    assert (await api.get(f"/fields/{field['id']}")).status_code == 404


async def test_field_values_are_set_and_listed_per_contact(api: httpx.AsyncClient) -> None:
    written = await api.post("/fieldValues", json={"fieldValue": {
        "contact": 2, "field": 3, "value": "4107"}})
    assert written.json()["fieldValue"]["value"] == "4107"
    values = (await api.get("/contacts/2/fieldValues")).json()["fieldValues"]
    assert [(v["field"], v["value"]) for v in values] == [("3", "4107")]


async def test_bulk_import_creates_tags_and_contacts_and_reports_info(
        api: httpx.AsyncClient) -> None:
    payload = {"contacts": [
        {"email": "patron1000@example.org", "tags": ["Member - Active"]},
        {"email": "brand.new@example.org", "first_name": "Bea", "tags": ["Member - Active"],
         "fields": [{"id": 2, "value": "Box 1"}]},
        {"email": "broken@nowhere", "tags": ["Member - Active"]},
    ], "exclude_automations": True}
    queued = await api.post("/import/bulk_import", json=payload)
    assert queued.status_code == 200
    answer = queued.json()
    assert answer["Success"] == 1 and answer["queued_contacts"] == 3
    info = (await api.get("/import/info", params={"batchId": answer["batchId"]})).json()
    assert info["status"] == "completed"
    assert info["failure"] == ["broken@nowhere"]
    assert len(info["success"]) == 2 and info["success"][0] == "1"

    tag = (await api.get("/tags", params={"search": "Member - Active"})).json()["tags"]
    assert len(tag) == 1
    tagged = (await api.get("/contacts", params={"tagid": tag[0]["id"]})).json()
    assert sorted(c["email"] for c in tagged["contacts"]) == [
        "brand.new@example.org", "patron1000@example.org"]


async def test_bulk_import_refuses_invalid_payloads_whole(api: httpx.AsyncClient) -> None:
    too_many = {"contacts": [{"email": f"p{i}@example.org"} for i in range(251)]}
    response = await api.post("/import/bulk_import", json=too_many)
    assert response.status_code == 400 and response.json()["success"] == 0
    no_email = await api.post("/import/bulk_import", json={"contacts": [{"first_name": "X"}]})
    assert no_email.status_code == 400
    assert no_email.json()["failureReasons"][0]["contact"] == 0
    assert (await api.get("/import/info")).status_code == 400


async def test_bulk_imports_are_limited_per_minute(api: httpx.AsyncClient,
                                                   control: EmulatorControl) -> None:
    payload = {"contacts": [{"email": "one@example.org"}]}
    for _ in range(100):
        assert (await api.post("/import/bulk_import", json=payload)).status_code == 200
    control.faults = control.faults.model_copy(update={"enforce_rate_limit": True})
    refused = await api.post("/import/bulk_import", json=payload)
    assert refused.status_code == 400  # as ActiveCampaign's description answers it
    assert refused.json()["message"] == "Rate limit exceeded."
    assert "Retry-After" in refused.headers


async def test_campaign_recipients_are_paged(api: httpx.AsyncClient) -> None:
    campaigns = (await api.get("/campaigns")).json()["campaigns"]
    sent = next(c for c in campaigns if c["name"] == "SUBS Spring Preview")
    assert sent["status"] == "5" and sent["sdate"]
    page = (await api.get(f"/campaigns/{sent['id']}/recipients", params={"limit": 5})).json()
    assert page["meta"]["total"] == sent["send_amt"]
    assert len(page["recipients"]) == 5
    assert set(page["recipients"][0]) == {"contact", "email", "sentAt"}


async def test_account_reports_the_integration(api: httpx.AsyncClient) -> None:
    account = (await api.get("/tessitura/account")).json()["account"]
    assert account == {"organizationName": "Lakeside Performing Arts",
                       "tessituraConnected": True, "contactPermissionsIntegrated": True,
                       "contactPermissionTypeId": 2}


async def test_csi_webhook_url_is_read_only_and_stable(api: httpx.AsyncClient) -> None:
    created = await api.post("/tessitura/csiWebhooks", json={"csiWebhook": {
        "title": "VIP feedback", "contactMethodId": 1, "activityTypeId": 10,
        "noteFields": ["SEAT_LOCATION"], "urgent": True, "active": True}})
    assert created.status_code == 201
    hook = created.json()["csiWebhook"]
    assert "token=" in hook["url"]
    updated = await api.put(f"/tessitura/csiWebhooks/{hook['id']}", json={"csiWebhook": {
        "url": "https://evil.example/", "notes": "Call back within a day"}})
    assert updated.json()["csiWebhook"]["url"] == hook["url"]
    assert updated.json()["csiWebhook"]["notes"] == "Call back within a day"

    same_title = await api.post("/tessitura/csiWebhooks", json={"csiWebhook": {
        "title": "vip feedback", "contactMethodId": 1, "activityTypeId": 10}})
    assert same_title.status_code == 422
    unknown_field = await api.post("/tessitura/csiWebhooks", json={"csiWebhook": {
        "title": "Other", "contactMethodId": 1, "activityTypeId": 11,
        "performanceField": "NO_SUCH_FIELD"}})
    assert unknown_field.status_code == 422
    assert _error(unknown_field)["source"]["pointer"] == "/data/attributes/performanceField"


def _data_sync(**changes: object) -> dict:
    body = {"name": "Members", "listManagerListId": 101, "tag": "VIP", "mode": "add_and_remove",
            "schedule": {"frequency": "daily", "time": "02:00"}, "active": True}
    return {"dataSync": {**body, **changes}}


async def test_data_sync_tag_cannot_change_while_active(api: httpx.AsyncClient) -> None:
    created = await api.post("/tessitura/dataSyncs", json=_data_sync())
    assert created.status_code == 201
    sync = created.json()["dataSync"]
    assert sync["tag"] == "VIP" and sync["mode"] == "add_and_remove"

    refused = await api.put(f"/tessitura/dataSyncs/{sync['id']}",
                            json={"dataSync": {"tag": "Newsletter"}})
    assert refused.status_code == 422
    assert _error(refused)["source"]["pointer"] == "/data/attributes/tag"

    fine = await api.put(f"/tessitura/dataSyncs/{sync['id']}",
                         json={"dataSync": {"description": "Members get VIP"}})
    assert fine.status_code == 200

    await api.put(f"/tessitura/dataSyncs/{sync['id']}", json={"dataSync": {"active": False}})
    inactive = await api.put(f"/tessitura/dataSyncs/{sync['id']}",
                             json={"dataSync": {"tag": "Newsletter"}})
    assert inactive.status_code == 200 and inactive.json()["dataSync"]["tag"] == "Newsletter"


@pytest.mark.parametrize(("changes", "pointer"), [
    ({"tag": "No Such Tag"}, "/data/attributes/tag"),
    ({"mode": "sometimes"}, "/data/attributes/mode"),
    ({"schedule": {"frequency": "multi_daily", "time": "06:00", "everyMinutes": 5}},
     "/data/attributes/schedule/everyMinutes"),
    ({"schedule": {"frequency": "weekly", "time": "25:00", "weekday": "monday"}},
     "/data/attributes/schedule/time"),
    ({"notify": ["ops-at-example"]}, "/data/attributes/notify/0"),
])
async def test_data_sync_validation_names_the_field(api: httpx.AsyncClient, changes: dict,
                                                    pointer: str) -> None:
    response = await api.post("/tessitura/dataSyncs", json=_data_sync(**changes))
    assert response.status_code == 422
    assert _error(response)["source"]["pointer"] == pointer


async def test_writeback_mapping_defaults_media_type_to_email(api: httpx.AsyncClient) -> None:
    created = await api.post("/tessitura/writebackMappings", json={"writebackMapping": {
        "name": "Subscriptions", "match": {"campaignName": "SUBS *"}, "appealId": 501,
        "sourceGroupId": 21}})
    assert created.status_code == 201
    assert created.json()["writebackMapping"]["mediaTypeId"] == 7
    both = await api.post("/tessitura/writebackMappings", json={"writebackMapping": {
        "name": "X", "match": {"campaignName": "A*", "campaignTag": "B"}, "appealId": 501,
        "sourceGroupId": 21}})
    assert both.status_code == 422


async def test_injected_429_carries_retry_after(api: httpx.AsyncClient,
                                                control: EmulatorControl) -> None:
    control.faults = control.faults.model_copy(update={"rate_429": 1.0})
    response = await api.get("/tags")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert "errors" in response.json()


async def test_injected_500_sometimes_loses_the_answer_of_a_write(
        api: httpx.AsyncClient, control: EmulatorControl) -> None:
    control.faults = control.faults.model_copy(update={"error_rate": 1.0})
    statuses = [(await api.post("/tags", json={"tag": {"tag": f"Lost {i}"}})).status_code
                for i in range(12)]
    assert set(statuses) == {500}
    control.faults = control.faults.model_copy(update={"error_rate": 0.0})
    written = (await api.get("/tags", params={"search": "Lost"})).json()["meta"]["total"]
    assert 0 < int(written) < 12


async def test_rate_limit_answers_429_beyond_five_a_second(
        api: httpx.AsyncClient, control: EmulatorControl) -> None:
    control.faults = control.faults.model_copy(update={"enforce_rate_limit": True})
    statuses = [(await api.get("/tags")).status_code for _ in range(6)]
    assert 429 in statuses and statuses[:5] == [200] * 5
    assert control.stats.rate_limited >= 1


async def test_stats_count_requests_by_route_template(api: httpx.AsyncClient,
                                                      control: EmulatorControl) -> None:
    await api.get("/tags/1")
    await api.get("/tags/2")
    await api.delete("/contactTags/1")
    requests = control.stats.snapshot()["requests"]
    assert requests["GET /tags/{id}"] == 2
    assert requests["DELETE /contactTags/{id}"] == 1


def test_seeded_worlds_are_deterministic_and_round_trip() -> None:
    first, second = Prospect2World.seeded("demo"), Prospect2World.seeded("demo")
    assert first.to_dict() == second.to_dict()
    assert Prospect2World.from_dict(first.to_dict()).to_dict() == first.to_dict()
    large = Prospect2World.seeded("large")
    assert len(large.contacts) == 500_000
    assert large.contacts.by_email("patron999998@example.org")["id"] == 499_500
