"""Prospect2 running its own Data Syncs (``runBy: "prospect2"``), as seed 003 describes.

When the emulator's clock passes a scheduled time, each active sync Prospect2 runs does what
the help page says: regenerate the List Manager list, compare its constituents with the
sync's own baseline (Prospect2's LT_P2_LIST_CONTENTS, kept here in the sync's ``_runner``
state), tag the joiners' addresses (with the output set's contact data in the sync's
``fields``), untag the leavers' with add_and_remove, re-import changed members (``resync``),
update the tag's Contact Point Purpose when Trigger Webhooks is on, and log the run in the
activity the API lists for 30 days. The baseline moves only when the run succeeded.

Prospect2 reaches Tessitura through its REST API here, as it does for CSIs; for the bulk
reads it stands in with Callboard's procedure pack (the real Prospect2 installs procedures of
its own), so a Tessitura without the pack makes every run fail with that reason.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

import httpx
from pyroaring import BitMap

from providers.prospect2.emulator.bulk_import import _import_one
from providers.prospect2.emulator.contacts import EMAIL
from providers.prospect2.emulator.data_sync_io import RunFailed, TessituraCalls
from providers.prospect2.emulator.data_sync_schedule import due_times
from providers.prospect2.emulator.integration import ACTIVITY_DAYS
from providers.prospect2.emulator.world import Prospect2World

#: A clock jump across more scheduled times than this runs only the latest ones.
MAX_RUNS_PER_ADVANCE = 100
#: Seed 003: audited changes that never cause a re-sync.
NOT_RESYNCED = frozenset({"T_EADDRESS", "TX_CONTACT_POINT_PURPOSE", "TX_CUST_RANK",
                          "TX_CONTACT_PERMISSION"})

Row = dict[str, Any]


async def run_due_data_syncs(world: Prospect2World, tessitura: httpx.AsyncClient | None,
                             start: datetime, end: datetime) -> list[Row]:
    """Run every active ``runBy: "prospect2"`` sync scheduled in ``(start, end]``, in order."""
    due: list[tuple[datetime, int]] = []
    for sync in world.table("dataSyncs").values():
        if sync.get("runBy", "prospect2") != "prospect2" or not sync.get("active"):
            continue
        times = due_times(sync["schedule"], start, end)[-MAX_RUNS_PER_ADVANCE:]
        due += [(moment, sync["id"]) for moment in times]
    ran = []
    for moment, sync_id in sorted(due):
        sync = world.table("dataSyncs").get(sync_id)
        if sync is not None:
            ran.append(await run_data_sync(world, tessitura, sync, moment))
    return ran


async def run_data_sync(world: Prospect2World, tessitura: httpx.AsyncClient | None,
                        sync: Row, run_at: datetime) -> Row:
    """One run; answers (and records) its activity entry."""
    runner = sync.setdefault("_runner", {})
    entry: Row = {"id": str(world.new_id("dataSyncActivity")),
                  "runAt": run_at.isoformat(timespec="seconds"), "added": 0, "removed": 0,
                  "resynced": 0, "errors": [], "runBy": "prospect2"}
    try:
        if tessitura is None or not world.account.get("tessituraConnected"):
            raise RunFailed("this Prospect2 account is not connected to Tessitura")
        await _run(world, TessituraCalls(tessitura), sync, runner, run_at, entry)
    except RunFailed as why:
        entry["errors"].append({"email": None, "reason": str(why)})
    cutoff = run_at - timedelta(days=ACTIVITY_DAYS)
    runner["activity"] = [e for e in runner.get("activity", [])
                          if datetime.fromisoformat(e["runAt"]) >= cutoff] + [entry]
    return entry


async def _run(world: Prospect2World, calls: TessituraCalls, sync: Row, runner: Row,
               run_at: datetime, entry: Row) -> None:
    tag = world.tag_by_name(sync["tag"])
    if tag is None:
        raise RunFailed(f"the tag {sync['tag']!r} no longer exists in Prospect2")
    list_id = sync["listManagerListId"]
    await calls.post(f"/Reporting/Lists/{list_id}/Generate")
    members = BitMap(row["ConstituentId"] for row in
                     await calls.get(f"/Reporting/Lists/{list_id}/Contents"))
    first_run = "baseline" not in runner
    baseline = BitMap() if first_run else BitMap.deserialize(base64.b64decode(runner["baseline"]))
    joined = members - baseline
    left = baseline - members if sync.get("mode") == "add_and_remove" else BitMap()
    kept = members & baseline

    fields = sync.get("fields") or []
    resync = sync.get("resync", "audit")
    output_set_id = None
    if fields or resync == "values":
        output_set_id, columns = await calls.output_set(list_id, sync.get("outputSetId"))
        unknown = sorted({f["column"] for f in fields} - set(columns))
        if unknown:
            raise RunFailed(f"output set {output_set_id} has no column "
                            f"{', '.join(repr(c) for c in unknown)}")
    changed = BitMap()
    digests: dict[str, str] | None = None
    if resync == "values":
        digests = await _digests(calls, list_id, output_set_id)
        before = runner.get("digests", {})
        changed = BitMap(int(n) for n, d in digests.items() if before.get(n, d) != d) & kept
    elif resync == "audit" and not first_run and await calls.track_changes():
        audited = await calls.execute("LP_CALLBOARD_AUDIT_CHANGES", since=runner["lastRunAt"],
                                      until=run_at.isoformat())
        changed = BitMap(row["ConstituentId"] for row in audited
                         if row["ConstituentId"] and row["AuditTable"] not in NOT_RESYNCED) & kept

    rows = await calls.export(joined | changed | left, output_set_id if fields else None)
    now = run_at.isoformat(timespec="seconds")
    tagged = _import(world, sync, tag["tag"], fields, rows, joined, changed, now, entry)
    untagged = await _untag(world, calls, tag["id"], rows, left, members, entry)
    purpose = tag.get("tessituraPurposeId")
    if sync.get("triggerWebhooks") and purpose:
        await calls.set_purposes(purpose, "add", tagged)
        await calls.set_purposes(purpose, "remove", untagged)

    runner["baseline"] = base64.b64encode(members.serialize()).decode()
    runner["lastRunAt"] = run_at.isoformat()
    if digests is not None:
        runner["digests"] = digests


def _passes(world: Prospect2World, sync: Row, row: Row) -> bool:
    """Seed 003's filters; permissions count only where the account integrates them."""
    if row.get("Inactive") or not str(row.get("Address") or "").strip():
        return False
    if sync.get("primaryOnly") and not row.get("PrimaryIndicator"):
        return False
    types = sync.get("eaddressTypeIds") or []
    if types and row["EaddressTypeId"] not in types:
        return False
    purposes = set(sync.get("contactPointPurposeIds") or [])
    held = {int(p) for p in str(row.get("PurposeIds") or "").split(",") if p.strip()}
    if purposes and not purposes & held:
        return False
    if world.account.get("contactPermissionsIntegrated") and not sync.get(
            "ignoreContactPermissions"):
        return row.get("PermissionAnswer") == "Y"
    return True


def _import(world: Prospect2World, sync: Row, tag_name: str, fields: list[Row],
            rows: list[Row], joined: BitMap, changed: BitMap, now: str, entry: Row) -> list[str]:
    """Tag (and fill the fields of) joiners' and changed members' addresses; answers those
    tagged for joiners."""
    chosen: dict[str, tuple[Row, bool]] = {}
    for row in rows:
        constituent = row["ConstituentId"]
        if (constituent in joined or constituent in changed) and _passes(world, sync, row):
            key = str(row["Address"]).strip().casefold()
            first, joining = chosen.get(key, (row, False))
            chosen[key] = (first, joining or constituent in joined)
    tagged = []
    for key, (row, joining) in chosen.items():
        address = str(row["Address"]).strip()
        if not EMAIL.match(address):
            entry["errors"].append({"email": address, "reason": "not a valid email address"})
            continue
        _import_one(world, {
            "email": address, "first_name": row.get("FirstName") or "",
            "last_name": row.get("LastName") or "", "tags": [tag_name],
            "fields": [{"id": f["fieldId"], "value": _text(row.get(f["column"]))}
                       for f in fields]}, now)
        entry["added" if joining else "resynced"] += 1
        if joining:
            tagged.append(key)
    return tagged


async def _untag(world: Prospect2World, calls: TessituraCalls, tag_id: int, rows: list[Row],
                 left: BitMap, members: BitMap, entry: Row) -> list[str]:
    """Leavers' addresses lose the tag, unless a constituent still listed holds them."""
    addresses = sorted({str(row["Address"]).strip().casefold() for row in rows
                        if row["ConstituentId"] in left and row.get("Address")})
    untagged = []
    for address in addresses:
        if any(owner in members for owner in await calls.owners(address)):
            continue
        contact = world.contacts.by_email(address)
        assoc = next((a for a in world.contact_tags_of(contact["id"]) if a["tag"] == tag_id),
                     None) if contact else None
        if assoc is not None:
            world.untag(assoc["id"])
            entry["removed"] += 1
            untagged.append(address)
    return untagged


async def _digests(calls: TessituraCalls, list_id: int, output_set_id: int | None
                   ) -> dict[str, str]:
    """Each member's output-set values, hashed: what ``resync: values`` compares."""
    digests: dict[str, str] = {}
    async for row in calls.results(list_id, output_set_id):
        constituent = str(row.pop("ConstituentId"))
        text = json.dumps(row, sort_keys=True, default=str)
        digests[constituent] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return digests


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
