"""Auth, error arrays, request counts and reference data."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from providers.emulator_kit.control import EmulatorControl
from providers.tessitura.emulator.app import build_tessitura_app
from providers.tessitura.emulator.wire_time import parse_wire_datetime
from providers.tessitura.emulator.world import TessituraWorld
from tests.emulators.tessitura.conftest import basic, only_error

pytestmark = pytest.mark.anyio


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
