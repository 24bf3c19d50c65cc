"""Prospect2 running its own Data Syncs when the emulator clock passes their schedule.

What the runner did is checked against Tessitura read over its plain REST routes (contents,
addresses, permissions), not through the procedures the runner itself uses.
"""

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
DAY = 86_400


async def p2(host: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> Any:
    response = await host.request(method, f"/api/3{path}", headers=P2, **kwargs)
    assert response.status_code < 300, response.text
    return response.json()


async def tess(host: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> Any:
    response = await host.request(method, f"/TessituraService{path}", auth=TESSITURA_AUTH,
                                  **kwargs)
    assert response.status_code < 300, response.text
    return response.json()


async def set_default(host: httpx.AsyncClient, name: str, value: str) -> None:
    await tess(host, "POST", "/Custom/Execute", json={
        "ProcedureName": "LP_CALLBOARD_SET_DEFAULT", "ParameterValues": [
            {"Name": "@field_name", "Value": name}, {"Name": "@value", "Value": value},
            {"Name": "@parent_table", "Value": "Prospect2"}]})


async def make_sync(host: httpx.AsyncClient, *, tag_purpose: int | None = None,
                    **changes: Any) -> tuple[str, str, str]:
    """A custom field, a tag and a sync on list 101; answers (sync id, tag id, field id)."""
    field = await p2(host, "POST", "/fields", json={"field": {
        "title": "Membership Level", "type": "text", "perstag": "MEMBERSHIP_LEVEL"}})
    tag = await p2(host, "POST", "/tags", json={"tag": {
        "tag": "Member - Active", "tessituraPurposeId": tag_purpose}})
    body = {"name": "members", "listManagerListId": 101, "tag": "Member - Active",
            "mode": "add_and_remove", "active": True, "runBy": "prospect2",
            "schedule": {"frequency": "daily", "time": "02:00"},
            "fields": [{"fieldId": field["field"]["id"], "column": "Membership Level"}],
            **changes}
    sync = await p2(host, "POST", "/tessitura/dataSyncs", json={"dataSync": body})
    return sync["dataSync"]["id"], tag["tag"]["id"], field["field"]["id"]


async def advance(host: httpx.AsyncClient, seconds: int) -> None:
    await host.post("/_emulator/clock", json={"advance_seconds": seconds})


async def activity(host: httpx.AsyncClient, sync_id: str, **params: Any) -> dict[str, Any]:
    return await p2(host, "GET", f"/tessitura/dataSyncs/{sync_id}/activity", params=params)


async def tagged(host: httpx.AsyncClient, tag_id: str) -> dict[str, str]:
    """email -> contact id of every contact holding the tag."""
    page = await p2(host, "GET", "/contacts", params={"tagid": tag_id, "limit": 100})
    assert int(page["meta"]["total"]) == len(page["contacts"])
    return {c["email"].casefold(): c["id"] for c in page["contacts"]}


async def expected(host: httpx.AsyncClient, list_id: int, *, integrated: bool = True
                   ) -> set[str]:
    """Addresses seed 003 tags for the list as now generated, from plain REST reads."""
    members = [row["ConstituentId"]
               for row in await tess(host, "GET", f"/Reporting/Lists/{list_id}/Contents")]
    found: set[str] = set()
    for constituent in members:
        if integrated:
            answers = await tess(host, "GET", "/CRM/ContactPermissions",
                                 params={"constituentId": constituent})
            if not any(a["Type"]["Id"] == 2 and a["Answer"] == "Y" for a in answers):
                continue
        addresses = await tess(host, "GET", "/CRM/ElectronicAddresses",
                               params={"constituentIds": constituent})
        found |= {a["Address"].casefold() for a in addresses
                  if a["IsEmail"] and not a["Inactive"]}
    return found


def owner_of(email: str) -> int:
    """The constituent an emulator address is named after (patronN@, patronN.work@)."""
    return int(email.removeprefix("patron").split("@")[0].removesuffix(".work"))


async def level_of(host: httpx.AsyncClient, constituent: int) -> str | None:
    rows = await tess(host, "POST", "/Custom/Execute", json={
        "ProcedureName": "LP_CALLBOARD_SYNC_EXPORT", "ParameterValues": [
            {"Name": "@constituent_ids", "Value": str(constituent)},
            {"Name": "@output_set_id", "Value": "31"}]})
    return rows[0].get("Membership Level")


async def field_value(host: httpx.AsyncClient, contact_id: str, field_id: str) -> str | None:
    values = await p2(host, "GET", f"/contacts/{contact_id}/fieldValues")
    return next((v["value"] for v in values["fieldValues"] if v["field"] == field_id), None)


async def test_prospect2_runs_its_sync_when_the_clock_passes_the_time(
        host: httpx.AsyncClient) -> None:
    sync_id, tag_id, field_id = await make_sync(host)
    await advance(host, 3600)  # 10:00 on the 1st: 02:00 has not come round yet
    assert (await activity(host, sync_id))["activities"] == []
    await host.post("/_emulator/clock", json={"now": "2026-09-02T01:59:00+00:00"})
    assert await tagged(host, tag_id) == {}

    await host.post("/_emulator/clock", json={"now": "2026-09-02T02:00:00+00:00"})
    [run] = (await activity(host, sync_id))["activities"]
    assert run["runAt"] == "2026-09-02T02:00:00+00:00" and run["runBy"] == "prospect2"
    assert (run["removed"], run["resynced"], run["errors"]) == (0, 0, [])
    now_tagged = await tagged(host, tag_id)
    assert set(now_tagged) == await expected(host, 101) and run["added"] == len(now_tagged)
    email, contact = sorted(now_tagged.items())[0]
    constituent = owner_of(email)
    assert await field_value(host, contact, field_id) == (await level_of(host, constituent) or "")

    # the next run works from the sync's own baseline: joiners in, leavers out
    churn = (await host.post("/_emulator/churn", json={
        "list_id": 101, "add": 6, "remove": 6, "seed": 4})).json()
    await advance(host, DAY)
    newest, _ = (await activity(host, sync_id))["activities"]
    after = await tagged(host, tag_id)
    assert set(after) == await expected(host, 101)
    assert newest["added"] == len(set(after) - set(now_tagged)) > 0
    assert newest["removed"] == len(set(now_tagged) - set(after)) > 0
    assert churn["added"] and churn["removed"]


async def test_external_and_inactive_syncs_are_never_run(host: httpx.AsyncClient) -> None:
    external, tag_id, _ = await make_sync(host, runBy="external")
    inactive = (await p2(host, "POST", "/tessitura/dataSyncs", json={"dataSync": {
        "name": "off", "listManagerListId": 102, "tag": "VIP", "active": False,
        "schedule": {"frequency": "multi_daily", "time": "00:00", "everyMinutes": 15}}}))
    await advance(host, 3 * DAY)
    assert (await activity(host, external))["activities"] == []
    assert (await activity(host, inactive["dataSync"]["id"]))["activities"] == []
    assert await tagged(host, tag_id) == {}
    stats = (await host.get("/_emulator/stats")).json()["requests"]
    assert "POST /TessituraService/Reporting/Lists/{listId}/Generate" not in stats


async def test_audited_changes_are_resynced_only_when_tracked(host: httpx.AsyncClient) -> None:
    await host.post("/_emulator/account", json={"contactPermissionsIntegrated": False})
    sync_id, tag_id, field_id = await make_sync(host)
    await advance(host, DAY)
    changed = (await host.post("/_emulator/churn", json={"list_id": 101, "change": 3})).json()
    await advance(host, DAY)  # P2DSTrackChanges is NO: nothing re-synced
    assert (await activity(host, sync_id))["activities"][0]["resynced"] == 0
    contacts = await tagged(host, tag_id)
    stale = contacts[f"patron{changed['changed'][0]}@example.org"]
    assert await field_value(host, stale, field_id) != await level_of(host, changed["changed"][0])

    await set_default(host, "P2DSTrackChanges", "YES")
    changed = (await host.post("/_emulator/churn", json={"list_id": 101, "change": 3})).json()
    await advance(host, DAY)
    newest = (await activity(host, sync_id))["activities"][0]
    owners = [n for n in changed["changed"] if f"patron{n}@example.org" in contacts]
    assert newest["resynced"] == len(owners) > 0
    for constituent in owners:
        contact = contacts[f"patron{constituent}@example.org"]
        assert await field_value(host, contact, field_id) == await level_of(host, constituent)


async def test_values_resync_follows_values_whatever_the_audit_says(
        host: httpx.AsyncClient) -> None:
    await host.post("/_emulator/account", json={"contactPermissionsIntegrated": False})
    field = await p2(host, "POST", "/fields", json={"field": {
        "title": "Lifetime Giving", "type": "text", "perstag": "LIFETIME_GIVING"}})
    sync = await p2(host, "POST", "/tessitura/dataSyncs", json={"dataSync": {
        "name": "donors", "listManagerListId": 102, "tag": "Donor - Major", "active": True,
        "schedule": {"frequency": "daily", "time": "02:00"}, "resync": "values",
        "outputSetId": 31, "fields": [{"fieldId": field["field"]["id"],
                                       "column": "Lifetime Giving"}]}})
    sync_id = sync["dataSync"]["id"]
    await advance(host, DAY)
    changed = (await host.post("/_emulator/churn", json={"list_id": 102, "change": 2})).json()
    await advance(host, DAY)  # P2DSTrackChanges stays NO
    newest = (await activity(host, sync_id))["activities"][0]
    assert newest["resynced"] == 2 and newest["added"] == newest["removed"] == 0
    contact = (await p2(host, "GET", "/contacts", params={
        "email": f"patron{changed['changed'][0]}@example.org"}))["contacts"][0]
    giving = await field_value(host, contact["id"], field["field"]["id"])
    rows = await tess(host, "POST", "/Reporting/Lists/102/Results", json={"PageSize": 1000})
    current = next(r for r in rows if r["ConstituentId"] == changed["changed"][0])
    assert float(giving or 0) == current["Lifetime Giving"]


async def purposes_of(host: httpx.AsyncClient, email: str) -> set[int]:
    constituent = owner_of(email)
    maps = await tess(host, "GET", "/CRM/ContactPointPurposeMaps",
                      params={"constituentId": constituent})
    return {m["Purpose"]["Id"] for m in maps
            if (m["ContactPoint"].get("ElectronicAddress") or {}).get("Address") == email}


async def test_trigger_webhooks_set_the_tags_purpose_in_tessitura(
        host: httpx.AsyncClient) -> None:
    sync_id, tag_id, _ = await make_sync(host, tag_purpose=2, triggerWebhooks=True)
    await advance(host, DAY)
    first = await tagged(host, tag_id)
    assert first and all([2 in await purposes_of(host, email) for email in first])
    await host.post("/_emulator/churn", json={"list_id": 101, "remove": 8, "seed": 9})
    await advance(host, DAY)
    gone = set(first) - set(await tagged(host, tag_id))
    assert gone and not any([2 in await purposes_of(host, email) for email in gone])


async def test_a_failed_run_is_logged_and_keeps_its_baseline(host: httpx.AsyncClient) -> None:
    sync_id, tag_id, _ = await make_sync(host)
    await host.post("/_emulator/tessitura/pack", json={"version": None})
    await advance(host, DAY)
    [failed] = (await activity(host, sync_id))["activities"]
    assert failed["added"] == 0 and "not registered" in failed["errors"][0]["reason"]
    assert failed["errors"][0]["email"] is None and await tagged(host, tag_id) == {}

    await host.post("/_emulator/tessitura/pack", json={"version": "1.1.0"})
    await advance(host, DAY)
    retried = (await activity(host, sync_id))["activities"][0]
    assert retried["errors"] == [] and retried["added"] == len(await expected(host, 101))


async def test_an_account_not_connected_runs_nothing_and_says_why(
        host: httpx.AsyncClient) -> None:
    sync_id, tag_id, _ = await make_sync(host)
    await host.post("/_emulator/account", json={"tessituraConnected": False})
    await advance(host, DAY)
    [run] = (await activity(host, sync_id))["activities"]
    assert "not connected to Tessitura" in run["errors"][0]["reason"]
    assert await tagged(host, tag_id) == {}


async def test_without_integrated_permissions_every_listed_address_is_tagged(
        host: httpx.AsyncClient) -> None:
    await host.post("/_emulator/account", json={"contactPermissionsIntegrated": False})
    sync_id, tag_id, _ = await make_sync(host)
    await advance(host, DAY)
    everyone = await expected(host, 101, integrated=False)
    assert set(await tagged(host, tag_id)) == everyone
    assert len(everyone) > len(await expected(host, 101))


async def test_activity_keeps_thirty_days_newest_first(host: httpx.AsyncClient) -> None:
    sync_id, _, _ = await make_sync(host)
    await advance(host, 40 * DAY)
    log = await activity(host, sync_id, limit=5)
    assert log["meta"]["total"] == "30"
    stamps = [entry["runAt"] for entry in log["activities"]]
    assert stamps == sorted(stamps, reverse=True) and stamps[0] == "2026-10-11T02:00:00+00:00"
    oldest = await activity(host, sync_id, limit=5, offset=25)
    assert oldest["activities"][-1]["runAt"] == "2026-09-12T02:00:00+00:00"


async def test_the_baseline_survives_the_sandbox(tmp_path: Path) -> None:
    async with emulator_client(build_emulator_app(seed="small", data_dir=str(tmp_path))) as first:
        sync_id, tag_id, _ = await make_sync(first)
        await advance(first, DAY)
        count = len(await tagged(first, tag_id))
    async with emulator_client(build_emulator_app(seed="small", data_dir=str(tmp_path))) as second:
        await advance(second, DAY)
        newest, oldest = (await activity(second, sync_id))["activities"]
        assert oldest["added"] == count > 0
        assert (newest["added"], newest["removed"], newest["errors"]) == (0, 0, [])
