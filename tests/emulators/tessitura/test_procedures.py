"""The Callboard procedure pack as the emulator runs it."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from providers.emulator_kit.control import EmulatorControl
from providers.tessitura.emulator.wire_time import format_wire_datetime
from providers.tessitura.emulator.world import TessituraWorld
from providers.tessitura.sql import PACK_VERSION
from tests.emulators.tessitura.conftest import execute, only_error

pytestmark = pytest.mark.anyio


# -- the procedure pack ----------------------------------------------------------------------------
async def test_version_and_unregistered_procedure(api: httpx.AsyncClient) -> None:
    assert (await execute(api, "LP_CALLBOARD_VERSION")).json() == [{"Version": PACK_VERSION}]
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
