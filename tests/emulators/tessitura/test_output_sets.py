"""Output sets and ``Lists/{listId}/Results``: the contact data a Data Sync carries."""

from __future__ import annotations

import json

import httpx
import pytest

from providers.emulator_kit.control import EmulatorControl
from providers.tessitura.emulator.app import build_tessitura_app
from providers.tessitura.emulator.world import TessituraWorld
from tests.emulators.tessitura.conftest import LOGIN, basic, only_error

pytestmark = pytest.mark.anyio

MEMBER_DATA = ["Membership Level", "Last Performance Date", "Lifetime Giving"]
# Property names of the Swagger's OutputSetSummary and OutputSet definitions
# (reference/tessitura/tessitura-api-15.2.40.callboard-subset.json).
OUTPUT_SET_SUMMARY = {"Description", "Id", "CreatedBy", "TMSIndicator", "CreatedDateTime",
                      "UpdatedDateTime", "LastUsedDateTime", "ControlGroup"}
OUTPUT_SET = {"CreatedDateTime", "CreateLocation", "CreatedBy", "EditIndicator",
              "UpdatedDateTime", "UpdatedBy", "LastUsedDateTime", "Description", "Id",
              "TMSIndicator", "ControlGroup", "ElementGroups"}
ELEMENT_GROUP = {"Group", "IsSingleRow", "KeywordId", "IncludePrimaryAffiliation", "Elements",
                 "Filters"}
ELEMENT = {"Id", "Rank", "QueryElement", "Inactive", "DescriptionRenamed"}


async def results(api: httpx.AsyncClient, list_id: int, **body: object) -> httpx.Response:
    return await api.post(f"/Reporting/Lists/{list_id}/Results", json=body)


def columns_of(output_set: dict) -> list[str]:
    elements = [e for group in output_set["ElementGroups"] for e in group["Elements"]]
    return [e["DescriptionRenamed"] for e in sorted(elements, key=lambda e: e["Rank"])]


async def test_output_sets_have_the_swagger_shapes(api: httpx.AsyncClient) -> None:
    summaries = (await api.get("/Reporting/OutputSets/Summary")).json()
    assert all(set(row) == OUTPUT_SET_SUMMARY for row in summaries)
    member_data = next(row for row in summaries if row["Description"] == "Pro2 Member Data")

    detail = (await api.get(f"/Reporting/OutputSets/{member_data['Id']}")).json()
    assert set(detail) == OUTPUT_SET
    assert all(set(group) == ELEMENT_GROUP for group in detail["ElementGroups"])
    elements = [e for group in detail["ElementGroups"] for e in group["Elements"]]
    assert all(set(e) == ELEMENT and e["QueryElement"]["Id"] for e in elements)
    assert columns_of(detail) == MEMBER_DATA

    names = (await api.get("/Reporting/OutputSets/32")).json()
    renamed = {e["DescriptionRenamed"]: e["QueryElement"]["Description"]
               for group in names["ElementGroups"] for e in group["Elements"]}
    assert renamed == {"First": "First Name", "Last": "Last Name", "Level": "Membership Level"}
    missing = await api.get("/Reporting/OutputSets/999")
    assert missing.status_code == 404 and only_error(missing)["ErrorPath"] == "outputSetId"


@pytest.mark.parametrize("seed", ["small", "demo", "large"])
async def test_every_seed_gives_its_prospect2_lists_the_member_data_set(
        seed: str, control: EmulatorControl) -> None:
    app = build_tessitura_app(TessituraWorld.seeded(seed), control)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t",
                                 headers={"Authorization": basic(*LOGIN)}) as client:
        for list_id in (101, 102, 103, 104, 105):
            found = (await client.get(f"/Reporting/Lists/{list_id}")).json()
            default = found["OutputSet"]
            if found["TMSIndicator"]:
                assert default is not None and set(default) == OUTPUT_SET_SUMMARY
                assert default["Description"] == "Pro2 Member Data"
            else:
                assert default is None
        detail = (await client.get("/Reporting/OutputSets/31")).json()
    assert detail["Description"] == "Pro2 Member Data" and columns_of(detail) == MEMBER_DATA


async def test_results_page_through_the_list_with_headers(api: httpx.AsyncClient) -> None:
    members = [row["ConstituentId"]
               for row in (await api.get("/Reporting/Lists/101/Contents")).json()]
    first = await results(api, 101, DisableListGenerate=True)
    assert first.status_code == 200
    assert (first.headers["X-Page"], first.headers["X-Page-Size"]) == ("1", "100")
    assert first.headers["X-Total-Count"] == str(len(members))
    row = first.json()[0]
    assert list(row) == ["ConstituentId", *MEMBER_DATA]

    seen: list[int] = []
    for page in range(1, len(members) // 25 + 2):
        answer = await results(api, 101, Page=page, PageSize=25, DisableListGenerate=True)
        assert answer.headers["X-Page"] == str(page) and answer.headers["X-Page-Size"] == "25"
        assert isinstance(answer.json(), list)
        seen += [row["ConstituentId"] for row in answer.json()]
    assert seen == members
    beyond = await results(api, 101, Page=99, PageSize=25, DisableListGenerate=True)
    assert beyond.json() == [] and beyond.headers["X-Total-Count"] == str(len(members))


async def test_results_values_follow_the_constituent(api: httpx.AsyncClient,
                                                     world: TessituraWorld) -> None:
    rows = (await results(api, 102, PageSize=1000, DisableListGenerate=True)).json()
    for row in rows:
        constituent = row["ConstituentId"]
        assert row["Membership Level"] == world.population.membership(constituent)[1]
        assert row["Lifetime Giving"] > 0  # a lapsed donor gave something
    dates = [row["Last Performance Date"] for row in rows if row["Last Performance Date"]]
    assert dates and all(len(d) == 10 and d[4] == "-" for d in dates)  # YYYY-MM-DD
    assert any(row["Last Performance Date"] is None for row in rows)  # never attended


async def test_results_take_another_output_set(api: httpx.AsyncClient,
                                               world: TessituraWorld) -> None:
    rows = (await results(api, 101, OutputSetId=32, PageSize=3,
                          DisableListGenerate=True)).json()
    assert [list(row) for row in rows] == [["ConstituentId", "First", "Last", "Level"]] * 3
    first, last = world.population.name(rows[0]["ConstituentId"])
    assert (rows[0]["First"], rows[0]["Last"]) == (first, last)


@pytest.mark.parametrize(("list_id", "body", "status", "path"), [
    (104, {}, 400, "OutputSetId"),               # no default output set on the list
    (101, {"OutputSetId": 999}, 400, "OutputSetId"),
    (101, {"OutputSetId": "31"}, 400, "OutputSetId"),
    (101, {"PageSize": 1001}, 400, "PageSize"),
    (101, {"PageSize": 0}, 400, "PageSize"),
    (101, {"Page": 0}, 400, "Page"),
    (101, {"Page": "2"}, 400, "Page"),
    (101, {"DisableListGenerate": "yes"}, 400, "DisableListGenerate"),
    (999, {"OutputSetId": 31}, 404, "listId"),
])
async def test_results_refuse_bad_requests_naming_the_field(
        api: httpx.AsyncClient, list_id: int, body: dict, status: int, path: str) -> None:
    answer = await results(api, list_id, **body)
    assert answer.status_code == status
    assert only_error(answer)["ErrorPath"] == path


async def test_a_list_without_default_takes_an_explicit_output_set(
        api: httpx.AsyncClient) -> None:
    answer = await results(api, 104, OutputSetId=31, PageSize=1000)
    assert answer.status_code == 200 and answer.headers["X-Total-Count"] == str(len(answer.json()))
    body_not_json = await api.post("/Reporting/Lists/101/Results", content=b"{")
    assert body_not_json.status_code == 400


async def test_results_generate_the_list_unless_told_not_to(
        api: httpx.AsyncClient, world: TessituraWorld, control: EmulatorControl) -> None:
    before = int((await results(api, 101, DisableListGenerate=True)).headers["X-Total-Count"])
    world.churn(101, add=4, now=control.clock.now())
    stale = await results(api, 101, DisableListGenerate=True)
    assert int(stale.headers["X-Total-Count"]) == before
    fresh = await results(api, 101)
    assert int(fresh.headers["X-Total-Count"]) == before + 4


async def test_churn_change_changes_and_audits_the_member_data(
        api: httpx.AsyncClient, world: TessituraWorld, control: EmulatorControl) -> None:
    async def values(list_id: int) -> dict[int, dict]:
        rows = (await results(api, list_id, PageSize=1000)).json()
        return {row.pop("ConstituentId"): row for row in rows}

    members_before, donors_before = await values(101), await values(102)
    members = world.churn(101, change=3, now=control.clock.now())["changed"]
    donors = world.churn(102, change=2, now=control.clock.now())["changed"]
    members_after, donors_after = await values(101), await values(102)

    changed = {n for n in members_before if members_before[n] != members_after[n]}
    assert changed == set(members)
    assert all(members_before[n]["Membership Level"] != members_after[n]["Membership Level"]
               for n in members)
    assert {n for n in donors_before if donors_before[n] != donors_after[n]} == set(donors)
    assert all(donors_after[n]["Lifetime Giving"] == donors_before[n]["Lifetime Giving"] + 150
               for n in donors)
    audited = {(row["ConstituentId"], row["AuditTable"]) for row in world.audit}
    assert {(n, "TA_AUDIT_MEMBERSHIP") for n in members} <= audited
    assert {(n, "TX_CUST_MEMBERSHIP") for n in members} <= audited
    assert {(n, "T_CONTRIBUTION") for n in donors} <= audited


async def test_a_page_of_the_large_seed_computes_only_that_page(
        control: EmulatorControl) -> None:
    world = TessituraWorld.seeded("large")
    world.churn(105, add=3, remove=2, now=control.clock.now())
    calls = 0
    membership = world.population.membership

    def counted(constituent_id: int) -> tuple[str, str | None]:
        nonlocal calls
        calls += 1
        return membership(constituent_id)

    world.population.membership = counted  # type: ignore[method-assign]
    app = build_tessitura_app(world, control)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t",
                                 headers={"Authorization": basic(*LOGIN)}) as client:
        last = await results(client, 105, Page=1001, PageSize=1000)
        again = await results(client, 105, Page=1000, PageSize=1000, DisableListGenerate=True)
    assert last.headers["X-Total-Count"] == "1000001"
    assert len(last.json()) == 1 and len(again.json()) == 1000
    assert last.json()[0]["ConstituentId"] == world.population.end - 1
    assert calls == 1001  # one per row sent, never one per member


def test_output_set_data_survives_persistence() -> None:
    world = TessituraWorld.seeded("small")
    donors = world.churn(102, change=2, now=_moment())["changed"]
    restored = TessituraWorld.from_dict(json.loads(json.dumps(world.to_dict())))
    assert restored.to_dict() == world.to_dict()
    for constituent in donors:
        assert (restored.member_values.lifetime_giving(restored.population, constituent)
                == world.member_values.lifetime_giving(world.population, constituent))
    assert restored.lists[101].output_set_id == 31


def test_a_sandbox_saved_before_output_sets_gains_them() -> None:
    saved = TessituraWorld.seeded("small").to_dict()
    del saved["tables"]["OutputSets"]
    for item in saved["lists"]:
        del item["output_set_id"]
    del saved["member_values"]
    restored = TessituraWorld.from_dict(saved)
    assert sorted(restored.tables["OutputSets"]) == [31, 32]
    assert {i: m.output_set_id for i, m in restored.lists.items()} == {
        101: 31, 102: 31, 103: 31, 104: None, 105: 31}


def _moment() -> object:
    from providers.tessitura.emulator.wire_time import parse_wire_datetime

    return parse_wire_datetime("2026-09-02T10:00:00Z")

