"""The Tessitura emulator as a client sees it: auth, errors, locking, lists, CSIs, procedures."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from providers.emulator_kit.control import EmulatorControl
from providers.tessitura.emulator.app import build_tessitura_app
from providers.tessitura.emulator.wire_time import format_wire_datetime, parse_wire_datetime
from providers.tessitura.emulator.world import TessituraWorld

pytestmark = pytest.mark.anyio
LOGIN = ("callboard", "admin", "emulator", "emulator")


def basic(user: str, group: str, location: str, password: str) -> str:
    raw = f"{user}:{group}:{location}:{password}".encode()
    return "Basic " + base64.b64encode(raw).decode()


@pytest.fixture
def control() -> EmulatorControl:
    return EmulatorControl()


@pytest.fixture
def world() -> TessituraWorld:
    return TessituraWorld.seeded("small")


@pytest.fixture
async def api(world: TessituraWorld, control: EmulatorControl) -> AsyncIterator[httpx.AsyncClient]:
    app = build_tessitura_app(world, control)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app),
        base_url="http://t",
        headers={"Authorization": basic(*LOGIN)},
    ) as client:
        yield client


def only_error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    assert set(body[0]) == {"Code", "Description", "Details", "ErrorPath"}
    return body[0]


async def execute(api: httpx.AsyncClient, name: str, **params: Any) -> httpx.Response:
    values = [{"Name": f"@{key}", "Value": str(value)} for key, value in params.items()]
    return await api.post(
        "/Custom/Execute", json={"ProcedureName": name, "ParameterValues": values}
    )


# -- auth and errors -------------------------------------------------------------------------
async def test_good_credentials_are_accepted(api: httpx.AsyncClient) -> None:
    answer = await api.get("/Diagnostics/Status")
    assert answer.status_code == 200
    assert answer.json()["Success"] is True


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        basic("callboard", "admin", "emulator", "wrong"),
        basic("callboard", "admin", "x", "emulator"),
        "Basic not-base64!",
        "Bearer emulator",
    ],
)
async def test_missing_or_wrong_credentials_get_401_with_error_array(
    world: TessituraWorld, control: EmulatorControl, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(build_tessitura_app(world, control)), base_url="http://t"
    ) as client:
        answer = await client.get("/ReferenceData/ActivityTypes", headers=headers)
    assert answer.status_code == 401
    assert only_error(answer)["Code"] == "Unauthorized"


async def test_password_may_contain_colons(world: TessituraWorld, control: EmulatorControl) -> None:
    app = build_tessitura_app(world, control, password="s3:cr:et")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        good = await client.get(
            "/Diagnostics/Status",
            headers={"Authorization": basic("callboard", "admin", "emulator", "s3:cr:et")},
        )
        cut = await client.get(
            "/Diagnostics/Status",
            headers={"Authorization": basic("callboard", "admin", "emulator", "s3")},
        )
    assert good.status_code == 200
    assert cut.status_code == 401


async def test_unknown_row_is_404_error_array(api: httpx.AsyncClient) -> None:
    answer = await api.get("/ReferenceData/ActivityTypes/999")
    assert answer.status_code == 404
    assert "999" in only_error(answer)["Description"]


async def test_requests_are_counted_by_route_template(
    api: httpx.AsyncClient, control: EmulatorControl
) -> None:
    await api.get("/ReferenceData/ActivityTypes/10")
    await api.get("/ReferenceData/ActivityTypes/11")
    assert control.stats.requests["GET /ReferenceData/ActivityTypes/{id}"] == 2


# -- reference data ----------------------------------------------------------------------------
async def test_activity_type_crud_with_optimistic_locking(
    api: httpx.AsyncClient, control: EmulatorControl
) -> None:
    created = await api.post(
        "/ReferenceData/ActivityTypes",
        json={
            "Description": "Pro2 Feedback",
            "Category": {"Id": 1},
            "PerfIndicator": "Performance",
        },
    )
    assert created.status_code == 200
    row = created.json()
    assert row["PerfIndicator"] == "P"
    assert row["Category"] == {"Id": 1, "Description": "Customer Service", "Inactive": False}
    assert (await api.get(f"/ReferenceData/ActivityTypes/{row['Id']}")).json() == row

    control.clock.advance(90)
    # the same instant written with 7 fractional digits and another offset is still current
    moment = parse_wire_datetime(row["UpdatedDateTime"]).astimezone()
    resent = (
        moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0" + moment.strftime("%z")
    )
    updated = await api.put(
        f"/ReferenceData/ActivityTypes/{row['Id']}",
        json={**row, "Description": "Pro2 Feedback (web)", "UpdatedDateTime": resent},
    )
    assert updated.status_code == 200
    assert updated.json()["Description"] == "Pro2 Feedback (web)"
    assert updated.json()["UpdatedDateTime"] != row["UpdatedDateTime"]

    stale = await api.put(
        f"/ReferenceData/ActivityTypes/{row['Id']}", json={**row, "Description": "Lost"}
    )
    assert stale.status_code == 409
    assert only_error(stale)["ErrorPath"] == "UpdatedDateTime"
    missing = {k: v for k, v in updated.json().items() if k != "UpdatedDateTime"}
    assert (
        await api.put(f"/ReferenceData/ActivityTypes/{row['Id']}", json=missing)
    ).status_code == 409

    assert (await api.delete(f"/ReferenceData/ActivityTypes/{row['Id']}")).status_code == 204
    assert (await api.get(f"/ReferenceData/ActivityTypes/{row['Id']}")).status_code == 404


async def test_two_updates_in_the_same_instant_still_lock(api: httpx.AsyncClient) -> None:
    row = (await api.get("/ReferenceData/ActivityTypes/10")).json()
    first = await api.put("/ReferenceData/ActivityTypes/10", json={**row, "Description": "A"})
    second = await api.put("/ReferenceData/ActivityTypes/10", json={**row, "Description": "B"})
    assert first.status_code == 200
    assert second.status_code == 409


@pytest.mark.parametrize(
    ("body", "path"),
    [({"Description": "X", "Category": {"Id": 1}, "PerfIndicator": "Q"}, "PerfIndicator"),
     ({"Description": "X", "Category": {"Id": 77}}, "Category.Id"),
     ({"Category": {"Id": 1}}, "Description")],
)  # fmt: skip
async def test_activity_type_create_validates(
    api: httpx.AsyncClient, body: dict[str, Any], path: str
) -> None:
    answer = await api.post("/ReferenceData/ActivityTypes", json=body)
    assert answer.status_code == 400
    assert only_error(answer)["ErrorPath"] == path


async def test_activity_type_tied_to_an_origin_cannot_be_deleted(api: httpx.AsyncClient) -> None:
    answer = await api.delete("/ReferenceData/ActivityTypes/13")
    assert answer.status_code == 400
    assert "Origins" in only_error(answer)["Details"]


async def test_origins_filter_by_activity_type(api: httpx.AsyncClient) -> None:
    tied = (await api.get("/ReferenceData/Origins", params={"ActivityType.Id": "13"})).json()
    assert [(o["Description"], o["ActivityType"]) for o in tied] == [("Website", {"Id": 13})]
    assert (await api.get("/ReferenceData/Origins", params={"ActivityType.Id": "10"})).json() == []


async def test_property_filters_on_reference_data(api: httpx.AsyncClient) -> None:
    closing = (
        await api.get("/ReferenceData/ActivityCategories", params={"AutoClose": "true"})
    ).json()
    assert [c["Description"] for c in closing] == ["Feedback Received"]
    emails = (
        await api.get("/ReferenceData/ElectronicAddressTypes", params={"IsEmail": "false"})
    ).json()
    assert [t["Description"] for t in emails] == ["Website"]


async def test_defaults_by_keys(api: httpx.AsyncClient) -> None:
    answer = await api.get(
        "/ReferenceData/SystemDefaults/Defaults", params={"keys": "P2DSTrackChanges,NoSuchKey"}
    )
    assert answer.json() == [
        {
            "Id": 7001,
            "Inactive": False,
            "Value": "NO",
            "ParentTable": "Prospect2",
            "FieldName": "P2DSTrackChanges",
        }
    ]


# -- List Manager --------------------------------------------------------------------------------
async def contents(api: httpx.AsyncClient, list_id: int) -> list[int]:
    return [
        row["ConstituentId"]
        for row in (await api.get(f"/Reporting/Lists/{list_id}/Contents")).json()
    ]


async def test_generate_picks_up_churn_and_contents_follow(
    api: httpx.AsyncClient, world: TessituraWorld, control: EmulatorControl
) -> None:
    before = await contents(api, 101)
    summary = (await api.get("/Reporting/Lists/Summary", params={"listIds": "101"})).json()
    assert summary[0]["ConstituentCount"] == len(before) > 0

    control.clock.advance(3600)
    churn = world.churn(101, add=5, remove=3, change=2, now=control.clock.now())
    assert len(churn["added"]) == 5 and len(churn["removed"]) == 3 and len(churn["changed"]) == 2
    assert set(churn["added"]).isdisjoint(before) and set(churn["removed"]) <= set(before)
    assert await contents(api, 101) == before  # not regenerated yet

    generated = await api.post("/Reporting/Lists/101/Generate")
    assert generated.status_code == 200
    after = await contents(api, 101)
    assert set(after) == (set(before) | set(churn["added"])) - set(churn["removed"])
    assert generated.json()["ConstituentCount"] == len(after)
    assert parse_wire_datetime(generated.json()["LastUsedDateTime"]) == control.clock.now()


async def test_list_search_is_paged_with_headers(api: httpx.AsyncClient) -> None:
    page = await api.post("/Reporting/Lists/Search", json={"Page": 2, "PageSize": 2})
    assert page.headers["X-Page"] == "2"
    assert page.headers["X-Page-Size"] == "2"
    assert page.headers["X-Total-Count"] == "5"
    assert [row["Id"] for row in page.json()] == [103, 104]
    found = await api.post("/Reporting/Lists/Search", json={"SearchText": "members"})
    assert [row["Description"] for row in found.json()] == ["Members - Current"]


async def test_list_detail_carries_prospect2_box_and_dynamic_flag(api: httpx.AsyncClient) -> None:
    board = (await api.get("/Reporting/Lists/104")).json()
    gala = (await api.get("/Reporting/Lists/103")).json()
    assert (board["IsDynamic"], board["TMSIndicator"]) == (True, False)
    assert (gala["IsDynamic"], gala["TMSIndicator"]) == (False, True)


# -- CSIs ------------------------------------------------------------------------------------------
def issue(**overrides: Any) -> dict[str, Any]:
    return {"Constituent": {"Id": 1002}, "ActivityType": {"Id": 10}, "ContactType": {"Id": 1},
            "Notes": "Generated by Prospect2", "UrgentIndicator": True, **overrides}  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"Notes": "x" * 4001}, "Notes"),
        ({"Constituent": {"Id": 5}}, "Constituent.Id"),
        ({"ActivityType": {"Id": 999}}, "ActivityType.Id"),
        ({"ContactType": {"Id": 9}}, "ContactType.Id"),
    ],
)
async def test_issue_create_validates_references_and_notes(
    api: httpx.AsyncClient, overrides: dict[str, Any], path: str
) -> None:
    answer = await api.post("/CRM/Issues", json=issue(**overrides))
    assert answer.status_code == 400
    assert only_error(answer)["ErrorPath"] == path


async def test_issue_create_and_filter(api: httpx.AsyncClient) -> None:
    open_issue = await api.post("/CRM/Issues", json=issue(Notes="x" * 4000))
    assert open_issue.status_code == 200
    assert open_issue.json()["ResolvedIndicator"] is False
    closed = (await api.post("/CRM/Issues", json=issue(ActivityType={"Id": 14}))).json()
    assert closed["ResolvedIndicator"] is True  # "Feedback Received" auto-closes
    assert closed["ActivityType"]["Category"]["Description"] == "Feedback Received"
    mine = (await api.get("/CRM/Issues", params={"constituentId": "1002"})).json()
    assert [i["Id"] for i in mine] == [open_issue.json()["Id"], closed["Id"]]
    assert (await api.get("/CRM/Issues", params={"constituentId": "1004"})).json() == []


# -- the procedure pack ----------------------------------------------------------------------------
async def test_version_and_unregistered_procedure(api: httpx.AsyncClient) -> None:
    assert (await execute(api, "LP_CALLBOARD_VERSION")).json() == [{"Version": "1.0.0"}]
    unknown = await execute(api, "LP_NOT_THERE")
    assert unknown.status_code == 400
    assert only_error(unknown)["ErrorPath"] == "ProcedureName"


async def test_set_default_is_idempotent_and_read_back(api: httpx.AsyncClient) -> None:
    params = {"field_name": "P2DSTrackChanges", "value": "YES", "parent_table": "Prospect2"}
    first = await execute(api, "LP_CALLBOARD_SET_DEFAULT", **params)
    second = await execute(api, "LP_CALLBOARD_SET_DEFAULT", **params)
    assert (
        first.json()
        == second.json()
        == [{"Id": 7001, "FieldName": "P2DSTrackChanges", "Value": "YES"}]
    )
    read = await api.get(
        "/ReferenceData/SystemDefaults/Defaults", params={"keys": "P2DSTrackChanges"}
    )
    assert read.json()[0]["Value"] == "YES"


async def test_sync_export_rows_per_email_address(api: httpx.AsyncClient) -> None:
    rows = (
        await execute(api, "LP_CALLBOARD_SYNC_EXPORT", constituent_ids="1050,1100,1164,5")
    ).json()
    by_id = {row["EaddressId"]: row for row in rows}
    assert set(by_id) == {10501, 10502, 11001, 11002, 11641}  # 1100's website is not an email
    work = by_id[10502]
    assert (work["Address"], work["PrimaryIndicator"], work["Inactive"]) == (
        "patron1050.work@example.org", False, True)  # fmt: skip
    assert by_id[11641]["Address"] == "patron1163@example.org"  # every 97th: household address
    assert all("PurposeIds" not in row or row["PurposeIds"] for row in rows)  # nulls omitted


async def test_sync_export_takes_at_most_1000_ids(api: httpx.AsyncClient) -> None:
    ids = ",".join(str(n) for n in range(1000, 2001))
    refused = await execute(api, "LP_CALLBOARD_SYNC_EXPORT", constituent_ids=ids)
    assert refused.status_code == 400
    assert only_error(refused)["ErrorPath"] == "@constituent_ids"
    accepted = await execute(api, "LP_CALLBOARD_SYNC_EXPORT", constituent_ids=ids.rsplit(",", 1)[0])
    assert accepted.status_code == 200


async def test_audit_changes_come_from_churn_within_the_window(
    api: httpx.AsyncClient, world: TessituraWorld, control: EmulatorControl
) -> None:
    since = control.clock.now()
    control.clock.advance(60)
    churn = world.churn(101, change=3, share_email=1, permission_flip=1, now=control.clock.now())
    control.clock.advance(60)
    window = {
        "since": format_wire_datetime(since),
        "until": format_wire_datetime(control.clock.now()),
    }
    rows = (await execute(api, "LP_CALLBOARD_AUDIT_CHANGES", **window)).json()
    membership = {r["ConstituentId"] for r in rows if r["AuditTable"] == "TA_AUDIT_MEMBERSHIP"}
    assert membership == set(churn["changed"])
    tables = {r["AuditTable"] for r in rows}
    assert {"TX_CUST_MEMBERSHIP", "T_EADDRESS", "TX_CONTACT_PERMISSION"} <= tables
    assert any(r["ConstituentId"] == 0 for r in rows)  # customer_no 0 noise, for Callboard to skip
    later = {
        "since": window["until"],
        "until": format_wire_datetime(control.clock.now() + timedelta(hours=1)),
    }
    assert (await execute(api, "LP_CALLBOARD_AUDIT_CHANGES", **later)).json() == []


async def test_writeback_source_is_found_again_by_campaign_ref(api: httpx.AsyncClient) -> None:
    params = {"appeal_id": 501, "source_group_id": 21, "media_type_id": 7,
              "description": "SUBS Spring Preview", "campaign_ref": "p2-campaign-4"}  # fmt: skip
    first = (await execute(api, "LP_CALLBOARD_WRITEBACK_SOURCE", **params)).json()
    second = (await execute(api, "LP_CALLBOARD_WRITEBACK_SOURCE", **params)).json()
    assert first[0]["Created"] is True and second[0]["Created"] is False
    assert first[0]["SourceId"] == second[0]["SourceId"]
    sources = (await api.get("/Finance/Sources/Summary", params={"appealIds": "501"})).json()
    assert sum(s["Description"] == "SUBS Spring Preview" for s in sources) == 1
    bad = await execute(
        api, "LP_CALLBOARD_WRITEBACK_SOURCE", **{**params, "campaign_ref": "x", "appeal_id": 9}
    )
    assert only_error(bad)["ErrorPath"] == "@appeal_id"


async def test_add_promotions_never_doubles(api: httpx.AsyncClient) -> None:
    first = await execute(
        api, "LP_CALLBOARD_ADD_PROMOTIONS", source_id=9001, constituent_ids="1000,1002,1004"
    )
    retry = await execute(
        api, "LP_CALLBOARD_ADD_PROMOTIONS", source_id=9001, constituent_ids="1000,1002,1004,1006"
    )
    assert first.json() == [{"Inserted": 3, "Skipped": 0}]
    assert retry.json() == [{"Inserted": 1, "Skipped": 3}]
    too_many = ",".join(str(n) for n in range(1000, 2001))
    refused = await execute(
        api, "LP_CALLBOARD_ADD_PROMOTIONS", source_id=9001, constituent_ids=too_many
    )
    assert refused.status_code == 400


# -- churn side effects, seeds, persistence ------------------------------------------------------
async def test_shared_email_and_permission_flip_show_in_crm(
    api: httpx.AsyncClient, world: TessituraWorld, control: EmulatorControl
) -> None:
    churn = world.churn(101, share_email=1, permission_flip=1, seed=7, now=control.clock.now())
    shared = churn["shared_addresses"][0]
    addresses = (
        await api.get(
            "/CRM/ElectronicAddresses", params={"constituentIds": shared["ConstituentId"]}
        )
    ).json()
    assert shared["Address"] in [a["Address"] for a in addresses]
    flipped = churn["permission_flip"][0]
    answers = (await api.get("/CRM/ContactPermissions", params={"constituentId": flipped})).json()
    email = next(a for a in answers if a["Type"]["Id"] == 2)
    assert email["Answer"] == world.population.permission_answer(flipped, 2)
    audit = [r for r in world.audit if r["AuditTable"] == "TX_CONTACT_PERMISSION"]
    assert audit[0]["NewValue"] == email["Answer"] != audit[0]["OldValue"]


def test_seeds_are_deterministic() -> None:
    assert TessituraWorld.seeded("demo").to_dict() == TessituraWorld.seeded("demo").to_dict()
    one, two = TessituraWorld.seeded("small"), TessituraWorld.seeded("small")
    assert one.churn(101, add=4, now=one_moment()) == two.churn(101, add=4, now=one_moment())


def one_moment() -> Any:
    return parse_wire_datetime("2026-09-02T10:00:00Z")


async def test_large_seed_builds_with_a_million_constituents(control: EmulatorControl) -> None:
    world = TessituraWorld.seeded("large")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(build_tessitura_app(world, control)),
        base_url="http://t", headers={"Authorization": basic(*LOGIN)},
    ) as client:  # fmt: skip
        summary = (await client.get("/Reporting/Lists/Summary", params={"listIds": "105"})).json()
    assert summary[0]["ConstituentCount"] == 1_000_000
    assert len(json.dumps(world.to_dict())) < 50_000  # overrides only, never the population


def test_round_trip_preserves_churn_and_generation() -> None:
    world = TessituraWorld.seeded("small")
    churn = world.churn(
        101, add=3, remove=2, change=1, share_email=1, permission_flip=2, now=one_moment()
    )
    world.lists[101].generate(world.population, "2026-09-02T10:00:01+00:00")
    world.churn(105, add=2, remove=1, now=one_moment())

    restored = TessituraWorld.from_dict(json.loads(json.dumps(world.to_dict())))
    assert restored.to_dict() == world.to_dict()
    assert list(restored.lists[101].contents(restored.population)) == list(
        world.lists[101].contents(world.population)
    )
    assert set(churn["added"]) <= set(restored.lists[101].contents(restored.population))
    assert restored.population.count == 202
    flipped = churn["permission_flip"][0]
    assert restored.population.permission_answer(flipped, 2) == world.population.permission_answer(
        flipped, 2
    )


def test_sql_pack_creates_and_registers_every_emulated_procedure() -> None:
    from providers.tessitura.emulator.procedures import PACK_VERSION, PROCEDURES
    from providers.tessitura.sql import procedure_pack_scripts

    scripts = {path.name: path.read_text() for path in procedure_pack_scripts()}
    registration = scripts[max(scripts)]  # registration runs last
    for name in PROCEDURES:
        assert (
            sum(f"CREATE OR ALTER PROCEDURE dbo.{name}\n" in text for text in scripts.values()) == 1
        )
        assert f"'{name}'" in registration
    assert f"'{PACK_VERSION}'" in next(t for n, t in scripts.items() if "VERSION" in n)
