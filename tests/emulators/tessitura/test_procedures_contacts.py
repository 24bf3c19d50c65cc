"""The pack's address procedures: the export's permissions and output-set columns, and
``LP_CALLBOARD_SET_PURPOSES`` (pack 1.1.0)."""

from __future__ import annotations

import httpx
import pytest

from providers.tessitura.emulator.world import TessituraWorld
from tests.emulators.tessitura.conftest import execute, only_error

pytestmark = pytest.mark.anyio

HOUSEHOLD = "patron1066@example.org"  # 1067 (a 97th) shares 1066's address


async def set_default(api: httpx.AsyncClient, value: str) -> None:
    answer = await execute(api, "LP_CALLBOARD_SET_DEFAULT", field_name="P2ContactPermissionTypeId",
                           value=value, parent_table="Prospect2")
    assert answer.status_code == 200


async def export(api: httpx.AsyncClient, ids: str, **more: object) -> list[dict]:
    answer = await execute(api, "LP_CALLBOARD_SYNC_EXPORT", constituent_ids=ids, **more)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_permission_answers_are_those_of_the_integrated_type(
        api: httpx.AsyncClient, world: TessituraWorld) -> None:
    ids = ",".join(str(n) for n in range(1000, 1100))
    email = await export(api, ids)
    assert {row.get("PermissionAnswer") for row in email} == {"Y", "N", None}
    assert all(row.get("PermissionAnswer") == world.population.permission_answer(
        row["ConstituentId"], 2) for row in email)

    await set_default(api, "3")  # the account integrates "Phone Calls" instead
    phone = await export(api, ids)
    assert all(row.get("PermissionAnswer") == world.population.permission_answer(
        row["ConstituentId"], 3) for row in phone)
    assert phone != email


async def test_no_integrated_type_means_no_permission_answers(api: httpx.AsyncClient) -> None:
    await set_default(api, "")
    rows = await export(api, ",".join(str(n) for n in range(1000, 1100)))
    assert rows and all("PermissionAnswer" not in row for row in rows)  # NULL, no fallback
    explicit = await export(api, "1000,1001", contact_permission_type_id=2)
    assert any("PermissionAnswer" in row for row in explicit)


async def test_export_carries_the_output_set_columns(api: httpx.AsyncClient) -> None:
    listed = (await api.post("/Reporting/Lists/102/Results",
                             json={"PageSize": 5, "DisableListGenerate": True})).json()
    ids = ",".join(str(row["ConstituentId"]) for row in listed)
    rows = await export(api, ids, output_set_id=31)
    by_constituent = {row["ConstituentId"]: row for row in listed}
    assert {row["ConstituentId"] for row in rows} == set(by_constituent)
    for row in rows:
        expected = {k: v for k, v in by_constituent[row["ConstituentId"]].items()
                    if v is not None and k != "ConstituentId"}
        carried = {k: row[k] for k in ("Membership Level", "Last Performance Date",
                                       "Lifetime Giving") if k in row}
        assert carried == expected  # same values as Results; NULL columns omitted
    plain = await export(api, ids)
    assert all("Lifetime Giving" not in row for row in plain)


async def test_export_refuses_an_unknown_output_set(api: httpx.AsyncClient) -> None:
    answer = await execute(api, "LP_CALLBOARD_SYNC_EXPORT", constituent_ids="1000",
                           output_set_id=999)
    assert answer.status_code == 400 and only_error(answer)["ErrorPath"] == "@output_set_id"


async def set_purposes(api: httpx.AsyncClient, purpose: int, action: str,
                       *addresses: str) -> httpx.Response:
    return await execute(api, "LP_CALLBOARD_SET_PURPOSES", purpose_id=purpose, action=action,
                         addresses=",".join(addresses))


async def purposes_of(api: httpx.AsyncClient, constituent: int, eaddress: int) -> set[int]:
    maps = (await api.get("/CRM/ContactPointPurposeMaps",
                          params={"constituentId": constituent})).json()
    return {m["Purpose"]["Id"] for m in maps if m["ContactPoint"]["Id"] == eaddress}


async def test_set_purposes_adds_once_for_every_owner(api: httpx.AsyncClient,
                                                      world: TessituraWorld) -> None:
    # 1002's primary address lacks Season Announcements (2); of the household sharing
    # 1066's address, 1066 holds it and 1067 does not
    assert await purposes_of(api, 1002, 10021) == {1}
    first = await set_purposes(api, 2, "add", "PATRON1002@example.org", HOUSEHOLD,
                               "nobody@example.org")
    assert first.status_code == 200
    assert first.json() == [
        {"Address": "PATRON1002@example.org", "ElectronicAddressId": 10021,
         "ConstituentId": 1002, "Result": "added"},
        {"Address": HOUSEHOLD, "ElectronicAddressId": 10661, "ConstituentId": 1066,
         "Result": "unchanged"},
        {"Address": HOUSEHOLD, "ElectronicAddressId": 10671, "ConstituentId": 1067,
         "Result": "added"},
        {"Address": "nobody@example.org", "Result": "not_found"},
    ]
    assert await purposes_of(api, 1002, 10021) == {1, 2}
    assert await purposes_of(api, 1067, 10671) == {1, 2}

    again = (await set_purposes(api, 2, "add", "patron1002@example.org", HOUSEHOLD)).json()
    assert [row["Result"] for row in again] == ["unchanged"] * 3  # idempotent
    exported = await export(api, "1002")
    assert exported[0]["PurposeIds"] == "1,2"
    audited = [(row["ConstituentId"], row["OldValue"], row["NewValue"]) for row in world.audit
               if row["AuditTable"] == "TX_CONTACT_POINT_PURPOSE"]
    assert audited == [(1002, None, "2"), (1067, None, "2")]


async def test_set_purposes_removes_once(api: httpx.AsyncClient) -> None:
    await set_purposes(api, 2, "add", "patron1000@example.org")
    removed = (await set_purposes(api, 2, "remove", "patron1000@example.org")).json()
    assert [row["Result"] for row in removed] == ["removed"]
    assert 2 not in await purposes_of(api, 1000, 10001)
    again = (await set_purposes(api, 2, "remove", "patron1000@example.org")).json()
    assert [row["Result"] for row in again] == ["unchanged"]


@pytest.mark.parametrize(("params", "path"), [
    ({"purpose_id": 3, "action": "add", "addresses": "patron1000@example.org"}, "@purpose_id"),
    ({"purpose_id": 99, "action": "add", "addresses": "patron1000@example.org"}, "@purpose_id"),
    ({"purpose_id": 2, "action": "toggle", "addresses": "patron1000@example.org"}, "@action"),
    ({"purpose_id": 2, "action": "add", "addresses": " , "}, "@addresses"),
    ({"purpose_id": 2, "action": "add"}, "@addresses"),
    ({"purpose_id": 2, "action": "add",
      "addresses": ",".join(f"p{n}@example.org" for n in range(1001))}, "@addresses"),
])
async def test_set_purposes_refuses_bad_input(api: httpx.AsyncClient, params: dict,
                                              path: str) -> None:
    answer = await execute(api, "LP_CALLBOARD_SET_PURPOSES", **params)
    assert answer.status_code == 400
    assert only_error(answer)["ErrorPath"] == path


async def test_set_purposes_takes_a_thousand_addresses(api: httpx.AsyncClient) -> None:
    addresses = [f"patron{n}@example.org" for n in range(1000, 1200)]
    addresses += [f"nobody{n}@example.org" for n in range(800)]
    answer = await set_purposes(api, 1, "add", *addresses)
    assert answer.status_code == 200
    # 1067 and 1164 (every 97th) use their neighbour's address: theirs is nobody's
    assert sum(row["Result"] == "not_found" for row in answer.json()) == 802
