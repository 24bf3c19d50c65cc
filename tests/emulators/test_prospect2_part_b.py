"""Prospect2 Part B additions as a client sees them: Data Sync runner and contact-data fields,
the activity endpoint, tag purposes and writeback ``since`` (prospect2-api.md Part B)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from providers.emulator_kit.control import EmulatorControl
from providers.prospect2.emulator.app import build_prospect2_app
from providers.prospect2.emulator.world import Prospect2World

pytestmark = pytest.mark.anyio
TOKEN = "test-token"
SEAT_LOCATION = "2"  # a seeded custom field's id


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    app = build_prospect2_app(Prospect2World.seeded("small"), EmulatorControl(), token=TOKEN)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://p2",
                                 headers={"Api-Token": TOKEN}) as client:
        yield client


def _sync(**changes: object) -> dict:
    body = {"name": "Members", "listManagerListId": 101, "tag": "VIP", "mode": "add_only",
            "schedule": {"frequency": "daily", "time": "02:00"}, "active": True}
    return {"dataSync": {**body, **changes}}


def _pointer(response: httpx.Response) -> str:
    [error] = response.json()["errors"]
    return error["source"]["pointer"]


async def test_a_new_sync_defaults_to_prospect2_running_it(api: httpx.AsyncClient) -> None:
    sync = (await api.post("/tessitura/dataSyncs", json=_sync())).json()["dataSync"]
    assert (sync["runBy"], sync["outputSetId"], sync["fields"], sync["resync"]) == (
        "prospect2", None, [], "audit")
    assert not any(key.startswith("_") for key in sync)


async def test_runner_and_contact_data_round_trip(api: httpx.AsyncClient) -> None:
    created = await api.post("/tessitura/dataSyncs", json=_sync(
        runBy="external", outputSetId=31, resync="values",
        fields=[{"fieldId": SEAT_LOCATION, "column": "Membership Level"}]))
    assert created.status_code == 201
    sync = created.json()["dataSync"]
    assert sync["runBy"] == "external" and sync["outputSetId"] == 31
    assert sync["fields"] == [{"fieldId": SEAT_LOCATION, "column": "Membership Level"}]
    assert sync["resync"] == "values"

    path = f"/tessitura/dataSyncs/{sync['id']}"
    updated = (await api.put(path, json={"dataSync": {
        "runBy": "prospect2", "outputSetId": None, "resync": "off",
        "fields": [{"fieldId": 1, "column": "Lifetime Giving"}]}})).json()["dataSync"]
    assert (updated["runBy"], updated["outputSetId"], updated["resync"]) == (
        "prospect2", None, "off")
    assert updated["fields"] == [{"fieldId": "1", "column": "Lifetime Giving"}]
    untouched = (await api.put(path, json={"dataSync": {"description": "x"}})).json()
    assert untouched["dataSync"]["fields"] == updated["fields"]
    listed = (await api.get("/tessitura/dataSyncs")).json()["dataSyncs"]
    assert listed[0]["resync"] == "off"


@pytest.mark.parametrize(("changes", "pointer"), [
    ({"runBy": "callboard"}, "/data/attributes/runBy"),
    ({"runBy": None}, "/data/attributes/runBy"),
    ({"resync": "always"}, "/data/attributes/resync"),
    ({"outputSetId": "thirty-one"}, "/data/attributes/outputSetId"),
    ({"fields": {"fieldId": "1"}}, "/data/attributes/fields"),
    ({"fields": [{"fieldId": "99", "column": "Membership Level"}]},
     "/data/attributes/fields/0/fieldId"),
    ({"fields": [{"fieldId": "1", "column": ""}]}, "/data/attributes/fields/0/column"),
    ({"fields": [{"fieldId": "1", "column": "A"}, {"fieldId": "1", "column": "B"}]},
     "/data/attributes/fields/1/fieldId"),
    ({"fields": [{"fieldId": "1", "column": "A", "type": "text"}]},
     "/data/attributes/fields/0"),
])
async def test_runner_and_contact_data_refuse_bad_input(api: httpx.AsyncClient, changes: dict,
                                                         pointer: str) -> None:
    response = await api.post("/tessitura/dataSyncs", json=_sync(**changes))
    assert response.status_code == 422
    assert _pointer(response) == pointer
    assert (await api.get("/tessitura/dataSyncs")).json()["meta"]["total"] == "0"


async def test_an_active_syncs_tag_still_cannot_change(api: httpx.AsyncClient) -> None:
    sync = (await api.post("/tessitura/dataSyncs", json=_sync(runBy="external"))).json()
    refused = await api.put(f"/tessitura/dataSyncs/{sync['dataSync']['id']}",
                            json={"dataSync": {"tag": "Newsletter", "runBy": "prospect2"}})
    assert refused.status_code == 422 and _pointer(refused) == "/data/attributes/tag"
    again = (await api.get(f"/tessitura/dataSyncs/{sync['dataSync']['id']}")).json()
    assert again["dataSync"]["runBy"] == "external"


async def test_activity_is_paged_and_empty_before_any_run(api: httpx.AsyncClient) -> None:
    sync = (await api.post("/tessitura/dataSyncs", json=_sync())).json()["dataSync"]
    activity = await api.get(f"/tessitura/dataSyncs/{sync['id']}/activity")
    assert activity.json() == {"activities": [], "meta": {"total": "0"}}
    assert (await api.get("/tessitura/dataSyncs/99/activity")).status_code == 404
    bad = await api.get(f"/tessitura/dataSyncs/{sync['id']}/activity", params={"limit": "x"})
    assert bad.status_code == 400


async def test_tags_carry_their_tessitura_purpose(api: httpx.AsyncClient) -> None:
    seeded = (await api.get("/tags")).json()["tags"]
    assert all(tag["tessituraPurposeId"] is None for tag in seeded)
    created = await api.post("/tags", json={"tag": {"tag": "Member - Active",
                                                    "tessituraPurposeId": 2}})
    tag = created.json()["tag"]
    assert created.status_code == 201 and tag["tessituraPurposeId"] == 2
    assert (await api.get(f"/tags/{tag['id']}")).json()["tag"]["tessituraPurposeId"] == 2
    cleared = await api.put(f"/tags/{tag['id']}", json={"tag": {"tessituraPurposeId": None}})
    assert cleared.json()["tag"]["tessituraPurposeId"] is None
    bad = await api.put(f"/tags/{tag['id']}", json={"tag": {"tessituraPurposeId": "Newsletter"}})
    assert bad.status_code == 422 and _pointer(bad) == "/data/attributes/tessituraPurposeId"


def _mapping(**changes: object) -> dict:
    body = {"name": "Subscriptions", "match": {"campaignName": "SUBS *"}, "appealId": 501,
            "sourceGroupId": 21}
    return {"writebackMapping": {**body, **changes}}


async def test_writeback_since_defaults_to_the_creation_date(api: httpx.AsyncClient) -> None:
    created = (await api.post("/tessitura/writebackMappings", json=_mapping())).json()
    mapping = created["writebackMapping"]
    assert mapping["since"] == "2026-09-01"  # the emulator clock's date when it was created
    path = f"/tessitura/writebackMappings/{mapping['id']}"
    moved = (await api.put(path, json={"writebackMapping": {"since": "2026-08-15"}})).json()
    assert moved["writebackMapping"]["since"] == "2026-08-15"
    reset = (await api.put(path, json={"writebackMapping": {"since": None}})).json()
    assert reset["writebackMapping"]["since"] == "2026-09-01"


@pytest.mark.parametrize("since", ["2026-02-30", "01/09/2026", "2026-09-01T00:00:00", 20260901])
async def test_writeback_since_must_be_a_date(api: httpx.AsyncClient, since: object) -> None:
    response = await api.post("/tessitura/writebackMappings", json=_mapping(since=since))
    assert response.status_code == 422 and _pointer(response) == "/data/attributes/since"
