"""``/_emulator/account``: accounts unlike the seeded one, with both emulators agreeing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from providers.emulator_host import build_emulator_app
from tests.emulators.conftest import emulator_client

pytestmark = pytest.mark.anyio
P2 = {"Api-Token": "emulator-token"}
TESSITURA_AUTH = ("callboard:admin:emulator", "emulator")
SEEDED = {"tessituraConnected": True, "contactPermissionsIntegrated": True,
          "contactPermissionTypeId": 2}


async def prospect2_account(host: httpx.AsyncClient) -> dict[str, Any]:
    return (await host.get("/api/3/tessitura/account", headers=P2)).json()["account"]


async def tessitura_type(host: httpx.AsyncClient) -> str | None:
    rows = (await host.get("/TessituraService/ReferenceData/SystemDefaults/Defaults",
                           params={"keys": "P2ContactPermissionTypeId"},
                           auth=TESSITURA_AUTH)).json()
    return rows[0]["Value"]


async def answers(host: httpx.AsyncClient) -> set[str | None]:
    rows = (await host.post("/TessituraService/Custom/Execute", auth=TESSITURA_AUTH, json={
        "ProcedureName": "LP_CALLBOARD_SYNC_EXPORT", "ParameterValues": [
            {"Name": "@constituent_ids", "Value": ",".join(map(str, range(1000, 1050)))}]}
    )).json()
    return {row.get("PermissionAnswer") for row in rows}


async def test_seeded_settings_agree_on_both_sides(host: httpx.AsyncClient) -> None:
    assert (await host.get("/_emulator/account")).json() == SEEDED
    account = await prospect2_account(host)
    assert {k: account[k] for k in SEEDED} == SEEDED
    assert await tessitura_type(host) == "2"


async def test_leaving_and_rejoining_the_permissions_integration(
        host: httpx.AsyncClient) -> None:
    left = (await host.post("/_emulator/account",
                            json={"contactPermissionsIntegrated": False})).json()
    assert left == {**SEEDED, "contactPermissionsIntegrated": False,
                    "contactPermissionTypeId": None}
    account = await prospect2_account(host)
    assert (account["contactPermissionsIntegrated"], account["contactPermissionTypeId"]) == (
        False, None)
    assert await tessitura_type(host) is None
    assert await answers(host) == {None}  # the export answers no permissions at all
    refused = await host.post("/api/3/tessitura/dataSyncs", headers=P2, json={"dataSync": {
        "name": "x", "listManagerListId": 101, "tag": "VIP", "ignoreContactPermissions": True,
        "schedule": {"frequency": "daily", "time": "02:00"}}})
    assert refused.status_code == 422

    joined = (await host.post("/_emulator/account", json={
        "contactPermissionsIntegrated": True, "contactPermissionTypeId": 3})).json()
    assert joined == {**SEEDED, "contactPermissionTypeId": 3}
    assert await tessitura_type(host) == "3"
    assert (await prospect2_account(host))["contactPermissionTypeId"] == 3
    switched = (await host.post("/_emulator/account", json={"contactPermissionTypeId": 2}))
    assert switched.json() == SEEDED and await tessitura_type(host) == "2"


async def test_disconnecting_from_tessitura_changes_only_that(host: httpx.AsyncClient) -> None:
    answer = (await host.post("/_emulator/account", json={"tessituraConnected": False})).json()
    assert answer == {**SEEDED, "tessituraConnected": False}
    assert (await prospect2_account(host))["tessituraConnected"] is False
    assert await tessitura_type(host) == "2"
    webhook = (await host.post("/api/3/tessitura/csiWebhooks", headers=P2, json={"csiWebhook": {
        "title": "t", "contactMethodId": 1, "activityTypeId": 10, "active": True}})).json()
    fired = (await host.post("/_emulator/automations/fire", json={
        "csiWebhookId": webhook["csiWebhook"]["id"], "email": "patron1000@example.org"})).json()
    assert fired["issueId"] is None and "not connected" in fired["reason"]


@pytest.mark.parametrize("body", [
    {"contactPermissionTypeId": 9},                                    # no such type
    {"contactPermissionTypeId": None},                                 # integrated, no type
    {"contactPermissionsIntegrated": False, "contactPermissionTypeId": 2},
    {"tessituraConnected": "yes"},
    {"tessituraConnected": None},
    {"contactPermissionTypeId": "2"},
    {"organizationName": "Elsewhere"},
])
async def test_incoherent_settings_are_refused_and_nothing_changes(
        host: httpx.AsyncClient, body: dict) -> None:
    refused = await host.post("/_emulator/account", json=body)
    assert refused.status_code == 400 and refused.json()["error"]
    assert (await host.get("/_emulator/account")).json() == SEEDED
    assert await tessitura_type(host) == "2"


async def test_integrating_needs_a_type(host: httpx.AsyncClient) -> None:
    await host.post("/_emulator/account", json={"contactPermissionsIntegrated": False})
    refused = await host.post("/_emulator/account", json={"contactPermissionsIntegrated": True})
    assert refused.status_code == 400 and "contactPermissionTypeId" in refused.json()["error"]


async def test_settings_persist_in_the_sandbox_and_reset_restores_them(tmp_path: Path) -> None:
    async with emulator_client(build_emulator_app(seed="small", data_dir=str(tmp_path))) as first:
        await first.post("/_emulator/account", json={
            "tessituraConnected": False, "contactPermissionsIntegrated": False})
    async with emulator_client(build_emulator_app(seed="small", data_dir=str(tmp_path))) as second:
        assert (await second.get("/_emulator/account")).json() == {
            "tessituraConnected": False, "contactPermissionsIntegrated": False,
            "contactPermissionTypeId": None}
        assert await tessitura_type(second) is None
        await second.post("/_emulator/reset", json={})
        assert (await second.get("/_emulator/account")).json() == SEEDED
        assert await tessitura_type(second) == "2"
