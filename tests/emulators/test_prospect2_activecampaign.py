"""The Prospect2 emulator behaving as ActiveCampaign does where its description says how:
filters, orders, search operators, timestamps, ids, lists, field options and relations,
contact automations, webhooks, imports that subscribe, the API root."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from providers.emulator_host import build_emulator_app

pytestmark = pytest.mark.anyio
P2 = {"Api-Token": "emulator-token"}
SEEDED_TAGS = ["Newsletter", "Donor - Major", "VIP", "Subscriber - FY26", "Gala 2024 Attendee"]


def _client(app: object) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app, client=("127.0.0.1", 50000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://emulator/api/3",
                             headers=P2)


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    async with _client(build_emulator_app(seed="small")) as client:
        yield client


async def _advance(api: httpx.AsyncClient, seconds: int) -> str:
    answer = await api.post("http://emulator/_emulator/clock",
                            json={"advance_seconds": seconds})
    return answer.json()["now"]


async def _ids(api: httpx.AsyncClient, **params: str) -> list[int]:
    answer = await api.get("/contacts", params={"limit": "100", **params})
    assert answer.status_code == 200, answer.text
    return [int(c["id"]) for c in answer.json()["contacts"]]


@pytest.mark.parametrize(("operator", "term", "expected"), [
    ("eq", "vip", ["VIP"]),
    ("neq", "VIP", ["Newsletter", "Donor - Major", "Subscriber - FY26", "Gala 2024 Attendee"]),
    ("lt", "gala", ["Donor - Major"]),
    ("lte", "gala 2024 attendee", ["Donor - Major", "Gala 2024 Attendee"]),
    ("gt", "subscriber", ["VIP", "Subscriber - FY26"]),
    ("gte", "vip", ["VIP"]),
    ("contains", "ER", ["Newsletter", "Subscriber - FY26"]),
    ("starts_with", "do", ["Donor - Major"]),
])
async def test_every_tag_search_operator(api: httpx.AsyncClient, operator: str, term: str,
                                         expected: list[str]) -> None:
    answer = await api.get("/tags", params={f"filters[search][{operator}]": term})
    assert [t["tag"] for t in answer.json()["tags"]] == expected


async def test_tag_search_orders_and_refuses_unknown_operators(api: httpx.AsyncClient) -> None:
    await api.post("/tags", json={"tag": {"tag": "News"}})
    weighted = await api.get("/tags", params={"filters[search][contains]": "news",
                                              "orders[search]": "weight"})
    assert [t["tag"] for t in weighted.json()["tags"]] == ["News", "Newsletter"]
    descending = await api.get("/tags", params={"orders[search]": "desc"})
    assert [t["tag"] for t in descending.json()["tags"]][:2] == ["VIP", "Subscriber - FY26"]
    assert (await api.get("/tags", params={"filters[search][like]": "x"})).status_code == 400


async def test_contacts_filter_by_list_tag_ids_and_text(api: httpx.AsyncClient) -> None:
    on_newsletter = await _ids(api, listid="1")
    assert on_newsletter and all(i % 3 == 0 for i in on_newsletter)  # the seed's subscribers
    await api.post("/contactLists", json={"contactList": {"contact": 4, "list": 1,
                                                          "status": 2}})
    assert 4 in await _ids(api, listid="1")
    assert 4 not in await _ids(api, listid="1", status="1")
    assert await _ids(api, tagid="3") == [25, 50, 75, 100]
    assert await _ids(api, tagid="3", id_greater="30", id_less="100") == [50, 75]
    assert await _ids(api, **{"ids[]": "7", "exclude": "8"}) == [7]
    assert await _ids(api, email_like="patron1002@") == [2]


async def test_contacts_filter_and_order_by_dates(api: httpx.AsyncClient) -> None:
    before = await _advance(api, 3600)
    await api.put("/contacts/5", json={"contact": {"firstName": "Changed"}})
    created = await api.post("/contacts", json={"contact": {"email": "late@example.org"}})
    late = int(created.json()["contact"]["id"])
    assert await _ids(api, **{"filters[updated_after]": before}) == [5, late]
    assert await _ids(api, **{"filters[created_after]": before}) == [late]
    assert 5 in await _ids(api, **{"filters[created_before]": before})
    assert 5 not in await _ids(api, **{"filters[updated_before]": before})
    newest_first = await _ids(api, **{"orders[cdate]": "desc", "limit": "1"})
    assert newest_first == [late]
    by_email = (await api.get("/contacts", params={"orders[email]": "desc", "limit": "2"}))
    emails = [c["email"] for c in by_email.json()["contacts"]]
    assert emails == sorted(emails, reverse=True)
    bad = await api.get("/contacts", params={"filters[updated_after]": "yesterday"})
    assert bad.status_code == 400


async def test_lists_campaigns_and_contacts_carry_timestamps(api: httpx.AsyncClient) -> None:
    moved = await _advance(api, 90)
    stamp = moved[:19].replace("T", " ")
    await api.put("/lists/1", json={"list": {"name": "Lakeside News"}})
    listed = (await api.get("/lists/1")).json()["list"]
    assert listed["updated_timestamp"] == stamp
    assert listed["created_timestamp"] < listed["updated_timestamp"]
    campaign = (await api.get("/campaigns/1")).json()["campaign"]
    assert campaign["created_timestamp"] and campaign["updated_timestamp"]
    updated = (await api.put("/contacts/2", json={"contact": {"lastName": "X"}})).json()
    assert updated["contact"]["updated_timestamp"] == stamp
    assert updated["contact"]["udate"].startswith(moved[:19])


async def test_contact_ids_are_never_reused_even_across_restarts(tmp_path: Path) -> None:
    async with _client(build_emulator_app(seed="small", data_dir=str(tmp_path))) as api:
        first = (await api.post("/contacts", json={"contact": {"email": "a@example.org"}}))
        first_id = int(first.json()["contact"]["id"])
        assert (await api.delete(f"/contacts/{first_id}")).status_code == 200
        tag = (await api.post("/tags", json={"tag": {"tag": "Gone"}})).json()["tag"]["id"]
        await api.delete(f"/tags/{tag}")
    async with _client(build_emulator_app(seed="small", data_dir=str(tmp_path))) as api:
        second = (await api.post("/contacts", json={"contact": {"email": "b@example.org"}}))
        assert int(second.json()["contact"]["id"]) == first_id + 1
        again = (await api.post("/tags", json={"tag": {"tag": "Gone"}})).json()["tag"]["id"]
        assert int(again) == int(tag) + 1


async def test_list_create_update_delete(api: httpx.AsyncClient) -> None:
    refused = await api.post("/lists", json={"list": {"name": "Members"}})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["source"]["pointer"] == "/data/attributes/stringid"
    created = await api.post("/lists", json={"list": {
        "name": "Members", "stringid": "members", "sender_url": "https://example.org",
        "sender_reminder": "You joined."}})
    assert created.status_code == 200
    list_id = created.json()["list"]["id"]
    await api.post("/contactLists", json={"contactList": {"contact": 2, "list": list_id,
                                                          "status": 1}})
    renamed = await api.put(f"/lists/{list_id}", json={"list": {"name": "Members 2026"}})
    assert renamed.json()["list"]["name"] == "Members 2026"
    assert (await api.delete(f"/lists/{list_id}")).status_code == 200
    assert (await api.get(f"/lists/{list_id}")).status_code == 404
    assert (await api.delete(f"/lists/{list_id}")).status_code == 403  # AC's answer
    subscriptions = (await api.get("/contacts/2/contactLists")).json()["contactLists"]
    assert list_id not in [s["list"] for s in subscriptions]


async def test_field_options_and_relations(api: httpx.AsyncClient) -> None:
    field = (await api.post("/fields", json={"field": {
        "title": "Membership Level", "type": "dropdown"}})).json()["field"]["id"]
    created = await api.post("/fieldOption/bulk", json={"fieldOptions": [
        {"field": field, "label": "Silver", "value": "silver", "orderid": 2},
        {"field": field, "label": "Gold", "value": "gold", "orderid": 1, "isdefault": True}]})
    assert created.status_code == 201
    assert [o["isdefault"] for o in created.json()["fieldOptions"]] == [0, 1]
    read = (await api.get(f"/fields/{field}", params={"include": "options"})).json()
    assert [o["value"] for o in read["fieldOptions"]] == ["gold", "silver"]
    assert read["field"]["options"] == [o["id"] for o in read["fieldOptions"]]
    options = (await api.get(f"/fields/{field}/options")).json()
    assert [o["label"] for o in options["fieldOptions"]] == ["Gold", "Silver"]
    duplicate = await api.post("/fieldOption/bulk", json={"fieldOptions": [
        {"field": field, "value": "gold"}]})
    assert duplicate.status_code == 422 and "gold" in duplicate.json()["errors"]
    on_text = await api.post("/fieldOption/bulk", json={"fieldOptions": [
        {"field": 1, "value": "x"}]})
    assert on_text.status_code == 422 and "text field" in on_text.json()["errors"]

    everywhere = await api.post("/fieldRels", json={"fieldRel": {"field": field, "relid": 0}})
    assert everywhere.status_code == 201 and everywhere.json()["fieldRel"]["relid"] == 0
    one_list = (await api.post("/fieldRels", json={"fieldRel": {"field": field, "relid": 2}}))
    again = await api.post("/fieldRels", json={"fieldRel": {"field": field, "relid": 2}})
    assert again.json()["fieldRel"]["id"] == one_list.json()["fieldRel"]["id"]
    mine = (await api.get("/fieldRels", params={"filters[field]": field})).json()
    assert sorted(r["relid"] for r in mine["fieldRels"]) == ["0", "2"]
    rel_id = one_list.json()["fieldRel"]["id"]
    assert (await api.delete(f"/fieldRels/{rel_id}")).status_code == 200
    assert (await api.get(f"/fieldRels/{rel_id}")).status_code == 404
    bad = await api.post("/fieldRels", json={"fieldRel": {"field": field, "relid": 77}})
    assert bad.status_code == 422

    await api.delete(f"/fields/{field}")
    assert (await api.get("/fieldRels", params={"filters[field]": field})).json()[
        "fieldRels"] == []


async def test_deleting_an_option_leaves_contacts_values(api: httpx.AsyncClient) -> None:
    """ActiveCampaign's reference page: one option goes, 404 for an unknown id, and a contact
    whose value was that option keeps it."""
    field = (await api.post("/fields", json={"field": {
        "title": "Seat Band", "type": "radio"}})).json()["field"]["id"]
    created = (await api.post("/fieldOption/bulk", json={"fieldOptions": [
        {"field": field, "value": "A", "orderid": 1},
        {"field": field, "value": "B", "orderid": 2}]})).json()["fieldOptions"]
    await api.post("/fieldValues", json={"fieldValue": {"contact": 3, "field": field,
                                                        "value": "A"}})
    gone = await api.delete(f"/fieldOptions/{created[0]['id']}")
    assert gone.status_code == 200 and gone.json() == {}
    again = await api.delete(f"/fieldOptions/{created[0]['id']}")
    assert again.status_code == 404
    assert again.json()["message"] == f"No Result found for FieldOption with id {created[0]['id']}"
    read = (await api.get(f"/fields/{field}")).json()
    assert [o["value"] for o in read["fieldOptions"]] == ["B"]
    assert read["field"]["options"] == [created[1]["id"]]
    held = (await api.get("/fieldValues", params={"filters[fieldid]": field,
                                                  "filters[val]": "A"})).json()
    assert held["meta"]["total"] == "1"


async def test_field_value_update_in_place(api: httpx.AsyncClient) -> None:
    written = (await api.post("/fieldValues", json={"fieldValue": {
        "contact": 3, "field": 2, "value": "Row A"}})).json()["fieldValue"]
    assert (written["contact"], written["field"], written["owner"]) == (3, 2, 3)
    changed = await api.put(f"/fieldValues/{written['id']}", json={"fieldValue": {
        "contact": 3, "field": 2, "value": "Row B"}})
    assert changed.status_code == 200 and changed.json()["fieldValue"]["id"] == written["id"]
    listed = (await api.get("/contacts/3/fieldValues")).json()["fieldValues"]
    assert [v["value"] for v in listed if v["field"] == "2"] == ["Row B"]


async def test_bulk_import_subscribes_and_unsubscribes(api: httpx.AsyncClient) -> None:
    queued = await api.post("/import/bulk_import", json={"contacts": [
        {"email": "joined@example.org", "subscribe": [{"listid": "2"}]},
        {"email": "patron1006@example.org", "unsubscribe": [{"listid": 1}]}]})
    batch = (await api.get("/import/info", params={"batchId": queued.json()["batchId"]}))
    joined, left = batch.json()["success"]
    assert [(s["list"], s["status"]) for s in (await api.get(
        f"/contacts/{joined}/contactLists")).json()["contactLists"]] == [("2", "1")]
    assert ("1", "2") in [(s["list"], s["status"]) for s in (await api.get(
        f"/contacts/{left}/contactLists")).json()["contactLists"]]
    refused = await api.post("/import/bulk_import", json={"contacts": [
        {"email": "x@example.org", "subscribe": [{"listid": "99"}]}]})
    assert refused.status_code == 400
    assert "no list with id 99" in refused.json()["failureReasons"][0]["failureReason"]


async def test_contact_automations(api: httpx.AsyncClient) -> None:
    entry = {"contactAutomation": {"contact": 7, "automation": 1}}
    created = await api.post("/contactAutomations", json=entry)
    assert created.status_code == 201
    assert (await api.post("/contactAutomations", json=entry)).status_code == 403
    mine = (await api.get("/contactAutomations", params={"filters[contact]": "7"})).json()
    assert [e["automation"] for e in mine["contactAutomations"]] == ["1"]
    contact = (await api.get("/contacts/7")).json()
    assert [e["id"] for e in contact["contactAutomations"]] == [
        created.json()["contactAutomation"]["id"]]
    assert 7 in await _ids(api, seriesid="1")
    own = (await api.get("/contacts/7/contactAutomations")).json()["contactAutomations"]
    assert [e["status"] for e in own] == ["1"]
    await api.delete("/contacts/7")
    assert (await api.get("/contactAutomations", params={"filters[contact]": "7"})).json()[
        "contactAutomations"] == []


async def test_account_webhooks(api: httpx.AsyncClient) -> None:
    events = (await api.get("/webhook/events")).json()
    assert "subscribe" in events["webhookEvents"]
    assert events["meta"]["total"] == len(events["webhookEvents"])
    body = {"webhook": {"name": "CRM", "url": "https://example.org/h", "events": ["sent"],
                        "sources": ["api"], "listid": 1}}
    hook = (await api.post("/webhooks", json=body)).json()["webhook"]
    assert (hook["listid"], hook["events"]) == ("1", ["sent"])
    listed = (await api.get("/webhooks", params={"filters[listid]": "1"})).json()
    assert [w["id"] for w in listed["webhooks"]] == [hook["id"]]
    bad = await api.post("/webhooks", json={"webhook": {**body["webhook"], "events": ["x"]}})
    assert bad.status_code == 422
    assert (await api.delete(f"/webhooks/{hook['id']}")).status_code == 200
    assert (await api.get(f"/webhooks/{hook['id']}")).status_code == 404


async def test_api_root_checks_the_token(api: httpx.AsyncClient) -> None:
    root = await api.get("/")
    assert root.status_code == 200 and root.json()["links"]["tags"] == "/api/3/tags"
    assert (await api.get("/", headers={"Api-Token": "wrong"})).status_code == 403
    assert (await api.get("/", headers={"Api-Token": ""})).status_code == 401
    me = (await api.get("/users/me")).json()["user"]
    assert me["id"] == "1" and me["username"]


async def test_fields_page_by_100_unless_asked(api: httpx.AsyncClient) -> None:
    """GET /fields' limit defaults to 100 (its description says so), other lists to 20."""
    for n in range(25):
        await api.post("/fields", json={"field": {"title": f"Field {n}", "type": "text"}})
    assert len((await api.get("/fields")).json()["fields"]) == 28
    assert len((await api.get("/fields", params={"limit": "5"})).json()["fields"]) == 5
    assert len((await api.get("/contacts")).json()["contacts"]) == 20
