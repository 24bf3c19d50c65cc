"""A walk through every operation of ActiveCampaign's description, as a client would make it.

Each call states the status the emulator must give; the contract suite then judges every
recorded answer against the description. Errors are provoked where the description lists
them (missing ids, validation, a wrong token), so their bodies are checked too.
"""

from __future__ import annotations

from typing import Any

import httpx

MISSING = 999_999


class Walk:
    """Calls with an expected status; the answer's JSON is returned for the next step."""

    def __init__(self, api: httpx.AsyncClient) -> None:
        self.api = api

    async def __call__(self, method: str, path: str, expect: int, *, json: Any = None,
                       params: dict[str, Any] | None = None,
                       headers: dict[str, str] | None = None) -> Any:
        answer = await self.api.request(method, f"/api/3{path}", json=json, params=params,
                                        headers=headers)
        assert answer.status_code == expect, (
            f"{method} {path}: {answer.status_code} (wanted {expect}): {answer.text[:400]}")
        return answer.json() if answer.content else None


async def walk_prospect2(api: httpx.AsyncClient) -> None:
    call = Walk(api)
    await call("GET", "/", 200)
    await call("GET", "/users/me", 200)
    await call("GET", "/not-a-resource", 501)
    await _tags(call)
    contact = await _contacts(call)
    await _fields(call, contact)
    await _lists(call, contact)
    await _automations(call, contact)
    await _campaigns(call)
    await _imports(call)
    await _webhooks(call)
    await call("DELETE", f"/contacts/{contact}", 200)
    await call("DELETE", f"/contacts/{contact}", 404)


async def _tags(call: Walk) -> None:
    await call("GET", "/tags", 200, params={"search": "news"})
    await call("GET", "/tags", 200, params={"filters[search][starts_with]": "sub",
                                            "orders[search]": "weight"})
    await call("GET", "/tags", 400, params={"filters[search][like]": "x"})
    tag = (await call("POST", "/tags", 201, json={"tag": {"tag": "Contract", "tagType":
                                                          "contact"}}))["tag"]["id"]
    await call("GET", f"/tags/{tag}", 200)
    await call("GET", f"/tags/{MISSING}", 404)
    await call("PUT", f"/tags/{tag}", 200, json={"tag": {"description": "checked"}})
    await call("PUT", f"/tags/{MISSING}", 404, json={"tag": {"description": "x"}})
    association = (await call("POST", "/contactTags", 201, json={
        "contactTag": {"contact": 3, "tag": tag}}))["contactTag"]["id"]
    await call("POST", "/contactTags", 404, json={"contactTag": {"contact": MISSING,
                                                                 "tag": tag}})
    await call("POST", "/contactTags", 422, json={"contactTag": {"tag": tag}})
    await call("DELETE", f"/contactTags/{association}", 200)
    await call("DELETE", f"/contactTags/{association}", 404)
    await call("DELETE", f"/tags/{tag}", 200)
    await call("DELETE", f"/tags/{tag}", 404)


async def _contacts(call: Walk) -> str:
    await call("GET", "/contacts", 200)
    await call("GET", "/contacts", 200, params={
        "listid": "1", "filters[updated_after]": "2020-01-01", "orders[email]": "desc"})
    await call("GET", "/contacts", 200, params={"tagid": "1", "include": "contactTags"})
    await call("GET", "/contacts", 400, params={"id_greater": "many"})
    body = {"contact": {"email": "contract@example.org", "firstName": "Con", "lastName":
                        "Tract"}}
    contact = (await call("POST", "/contacts", 201, json=body))["contact"]["id"]
    await call("POST", "/contacts", 422, json=body)
    await call("POST", "/contacts", 422, json={"contact": {"firstName": "No email"}})
    await call("GET", f"/contacts/{contact}", 200)
    await call("GET", f"/contacts/{MISSING}", 404)
    await call("PUT", f"/contacts/{contact}", 200, json={"contact": {"phone": "555"}})
    await call("PUT", f"/contacts/{MISSING}", 404, json={"contact": {"phone": "555"}})
    await call("POST", "/contact/sync", 201, json={"contact": {"email": "sync@example.org"}})
    await call("POST", "/contact/sync", 200, json={"contact": {"email": "sync@example.org",
                                                               "firstName": "Synced"}})
    await call("POST", "/contact/sync", 400, json={"contact": {"email": "not an email"}})
    await call("GET", f"/contacts/{contact}/fieldValues", 200)
    await call("GET", f"/contacts/{MISSING}/fieldValues", 404)
    await call("GET", f"/contacts/{contact}/contactLists", 200)
    await call("GET", f"/contacts/{MISSING}/contactLists", 404)
    return str(contact)


async def _fields(call: Walk, contact: str) -> None:
    await call("GET", "/fields", 200)
    body = {"field": {"title": "Membership Level", "type": "dropdown", "perstag": "LEVEL"}}
    field = (await call("POST", "/fields", 201, json=body))["field"]["id"]
    await call("POST", "/fields", 422, json=body)
    await call("POST", "/fields", 403, json=body, headers={"Api-Token": "wrong"})
    await call("POST", "/fieldOption/bulk", 201, json={"fieldOptions": [
        {"field": field, "label": "Gold", "value": "gold", "orderid": 1},
        {"field": field, "label": "Silver", "value": "silver", "orderid": 2}]})
    await call("POST", "/fieldOption/bulk", 422, json={"fieldOptions": []})
    read = await call("GET", f"/fields/{field}", 200)
    silver = read["fieldOptions"][-1]["id"]
    await call("DELETE", f"/fieldOptions/{silver}", 200)
    await call("DELETE", f"/fieldOptions/{silver}", 404)
    relation = (await call("POST", "/fieldRels", 201, json={
        "fieldRel": {"field": field, "relid": 0}}))["fieldRel"]["id"]
    await call("POST", "/fieldRels", 422, json={"fieldRel": {"field": field, "relid": MISSING}})
    await call("GET", f"/fields/{field}", 200, params={"include": "options"})
    await call("GET", f"/fields/{MISSING}", 404)
    await call("PUT", f"/fields/{field}", 200, json={"field": {"descript": "Member tier"}})
    await call("PUT", f"/fields/{MISSING}", 404, json={"field": {"descript": "x"}})
    await call("DELETE", f"/fieldRels/{relation}", 200)
    await call("DELETE", f"/fieldRels/{relation}", 404)
    value = (await call("POST", "/fieldValues", 200, json={"fieldValue": {
        "contact": contact, "field": field, "value": "gold"}}))["fieldValue"]["id"]
    await call("POST", "/fieldValues", 422, json={"fieldValue": {"contact": contact,
                                                                 "field": field}})
    await call("GET", "/fieldValues", 200, params={"filters[fieldid]": field})
    await call("GET", f"/fieldValues/{value}", 200)
    await call("GET", f"/fieldValues/{MISSING}", 403)
    await call("PUT", f"/fieldValues/{value}", 200, json={"fieldValue": {
        "contact": contact, "field": field, "value": "silver"}})
    await call("PUT", f"/fieldValues/{MISSING}", 404, json={"fieldValue": {
        "contact": contact, "field": field, "value": "silver"}})
    await call("DELETE", f"/fieldValues/{value}", 200)
    await call("DELETE", f"/fieldValues/{value}", 404)
    await call("DELETE", f"/fields/{field}", 200)
    await call("DELETE", f"/fields/{field}", 404)


async def _lists(call: Walk, contact: str) -> None:
    await call("GET", "/lists", 200, params={"filters[name][contains]": "season",
                                             "orders[name]": "asc"})
    body = {"list": {"name": "Contract Readers", "stringid": "contract-readers",
                     "sender_url": "https://example.org", "sender_reminder": "You asked."}}
    list_id = (await call("POST", "/lists", 200, json=body))["list"]["id"]
    await call("POST", "/lists", 400, json={"list": {"name": "No sender"}})
    await call("GET", f"/lists/{list_id}", 200)
    await call("GET", f"/lists/{MISSING}", 404)
    await call("POST", "/contactLists", 200, json={"contactList": {
        "list": list_id, "contact": contact, "status": 1}})
    await call("POST", "/contactLists", 422, json={"contactList": {
        "list": list_id, "contact": contact, "status": 7}})
    await call("POST", "/listGroups", 201, json={"listGroup": {"listid": list_id,
                                                               "groupid": 1}})
    await call("DELETE", f"/lists/{list_id}", 200)
    await call("DELETE", f"/lists/{list_id}", 403)


async def _automations(call: Walk, contact: str) -> None:
    await call("GET", "/automations", 200)
    await call("GET", "/automations/1", 200)
    await call("GET", f"/automations/{MISSING}", 404)
    entry = {"contactAutomation": {"contact": contact, "automation": 1}}
    entered = (await call("POST", "/contactAutomations", 201, json=entry))
    await call("POST", "/contactAutomations", 403, json=entry)
    entry_id = entered["contactAutomation"]["id"]
    await call("GET", "/contactAutomations", 200)
    await call("GET", f"/contactAutomations/{entry_id}", 200)
    await call("GET", f"/contactAutomations/{MISSING}", 404)
    await call("DELETE", f"/contactAutomations/{entry_id}", 200)
    await call("DELETE", f"/contactAutomations/{entry_id}", 403)


async def _campaigns(call: Walk) -> None:
    await call("GET", "/campaigns", 200, params={"orders[sdate]": "DESC"})
    await call("GET", "/campaigns/1", 200)
    await call("GET", f"/campaigns/{MISSING}", 404)
    await call("GET", "/campaigns/1/links", 200)
    await call("GET", f"/campaigns/{MISSING}/links", 404)


async def _imports(call: Walk) -> None:
    queued = await call("POST", "/import/bulk_import", 200, json={"contacts": [
        {"email": "imported@example.org", "tags": ["Contract"], "subscribe": [{"listid": "1"}]}
    ]})
    await call("POST", "/import/bulk_import", 400, json={"contacts": [{"first_name": "X"}]})
    await call("GET", "/import/bulk_import", 200)
    await call("GET", "/import/info", 200, params={"batchId": queued["batchId"]})
    await call("GET", "/import/info", 400)


async def _webhooks(call: Walk) -> None:
    await call("GET", "/webhook/events", 200)
    body = {"webhook": {"name": "Contract hook", "url": "https://example.org/hook",
                        "events": ["subscribe", "unsubscribe"], "sources": ["public"]}}
    hook = (await call("POST", "/webhooks", 201, json=body))["webhook"]["id"]
    await call("POST", "/webhooks", 422, json={"webhook": {"name": "no url"}})
    await call("GET", "/webhooks", 200)
    await call("GET", f"/webhooks/{hook}", 200)
    await call("GET", f"/webhooks/{MISSING}", 404)
    await call("PUT", f"/webhooks/{hook}", 200, json={"webhook": {"events": ["sent"]}})
    await call("PUT", f"/webhooks/{hook}", 422, json={"webhook": {"events": ["nope"]}})
    await call("DELETE", f"/webhooks/{hook}", 200)
    await call("DELETE", f"/webhooks/{hook}", 404)
