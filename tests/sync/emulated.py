"""An in-process emulated organization with one managed Data Sync, driven over HTTP only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from engine.providers import ProviderContext, provider_classes
from engine.session import Session
from engine.state.base import ResourceRecord
from engine.state.sqlite import SqliteState
from engine.sync.definition import SyncDefinition, load_definition
from engine.sync.ports import LIST_SOURCE_PORT, TAG_TARGET_PORT
from engine.sync.runner import DataSyncRunner
from providers.emulator_host import build_emulator_app
from providers.http.retry import RetryPolicy
from providers.prospect2.emulator.contacts import EMAIL

BASE = "http://sync.emulator"
TOKEN = {"Api-Token": "emulator-token"}
ENV = {
    "PROSPECT2_URL": f"{BASE}/api/3", "PROSPECT2_API_TOKEN": "emulator-token",
    "TESSITURA_URL": f"{BASE}/TessituraService", "TESSITURA_USER": "callboard",
    "TESSITURA_USERGROUP": "admin", "TESSITURA_LOCATION": "emulator",
    "TESSITURA_PASSWORD": "emulator",
}
#: Enough attempts that injected faults rarely exhaust them, with millisecond waits.
QUICK_RETRY = RetryPolicy(attempts=6, base_delay=0.001, max_delay=0.002)
MEMBERS_LIST = 101
TAG = "Member - Synced"
GENERATE_ROUTE = "POST /TessituraService/Reporting/Lists/{listId}/Generate"
#: The contact data of ``EmulatedSync(contact_data=True)``: (perstag, type, column).
CONTACT_FIELDS = (("MEMBERSHIP_LEVEL", "text", "Membership Level"),
                  ("LAST_ATTENDED", "date", "Last Performance Date"))
WRITE_ROUTES = ("POST /api/3/import/bulk_import", "DELETE /api/3/contactTags/{id}",
                "POST /api/3/contactTags", GENERATE_ROUTE)


class EmulatedSync:
    """Both emulators, a state file, and a sync of list 101 (primary, permitted addresses)."""

    def __init__(self, state_path: Path, *, mode: str = "add_and_remove",
                 max_remove_fraction: float = 1.0, import_batch: int = 250,
                 removal_batch: int = 50, contact_data: bool = False,
                 resync: str = "audit", purpose: int | None = None,
                 seed: str = "small") -> None:
        """``contact_data``: the sync carries the list's "Pro2 Member Data" into two custom
        fields, MEMBERSHIP_LEVEL (text) and LAST_ATTENDED (date). ``purpose``: the tag stands
        for that Contact Point Purpose and the sync triggers webhooks. ``seed``: the emulated
        organization ("small": 200 constituents, "demo": 2,000)."""
        self.transport = httpx.ASGITransport(app=build_emulator_app(seed=seed))
        self.http = httpx.AsyncClient(transport=self.transport, base_url=BASE, timeout=30)
        self.state = SqliteState(state_path)
        self.mode = mode
        self.max_remove_fraction = max_remove_fraction
        self.batches = {"import_batch": import_batch, "removal_batch": removal_batch}
        self.session: Session | None = None
        self.runner: DataSyncRunner | None = None
        self.definition: SyncDefinition | None = None
        self.contact_data = contact_data
        self.resync = resync
        self.purpose = purpose
        self.field_ids: dict[str, str] = {}

    async def start(self) -> None:
        wire = {"name": "members", "listManagerListId": MEMBERS_LIST, "tag": TAG,
                "mode": self.mode, "triggerAutomations": False,
                "contactPointPurposeIds": [], "eaddressTypeIds": [], "primaryOnly": True,
                "ignoreContactPermissions": False,
                "schedule": {"frequency": "daily", "time": "02:00"}, "notify": [],
                "description": "", "active": True, "runBy": "external",
                "resync": self.resync, "triggerWebhooks": self.purpose is not None}
        await self.prospect2("POST", "/tags", {"tag": {"tag": TAG, "tagType": "contact",
                                                      "description": "",
                                                      "tessituraPurposeId": self.purpose}})
        if self.contact_data:
            wire["fields"] = []
            for perstag, kind, column in CONTACT_FIELDS:
                made = await self.prospect2("POST", "/fields", {"field": {
                    "title": perstag, "type": kind, "perstag": perstag}})
                self.field_ids[perstag] = str(made["field"]["id"])
                wire["fields"].append({"fieldId": self.field_ids[perstag], "column": column})
        created = await self.prospect2("POST", "/tessitura/dataSyncs", {"dataSync": wire})
        record = ResourceRecord("data_syncs.members", "data_syncs", "members",
                                str(created["dataSync"]["id"]))
        self.state.put(record)
        await self.reconnect()
        assert self.session is not None
        self.definition = await load_definition(self.session, record, self.state)

    async def reconnect(self) -> None:
        """A fresh session and runner, as a new ``callboard sync run`` process has."""
        if self.session is not None:
            await self.session.aclose()
        self.session = Session(provider_classes(), ProviderContext(
            env=ENV, transport=self.transport, settings={"sandbox": True}))
        for name in ("prospect2", "tessitura"):  # the product's retries, waits shrunk
            self.session.provider(name).client.retry = QUICK_RETRY  # type: ignore[attr-defined]
        self.runner = DataSyncRunner(self.session.port(LIST_SOURCE_PORT),
                                     self.session.port(TAG_TARGET_PORT), self.state,
                                     max_remove_fraction=self.max_remove_fraction,
                                     **self.batches)

    async def close(self) -> None:
        if self.session is not None:
            await self.session.aclose()
        await self.http.aclose()
        self.state.close()

    async def prospect2(self, method: str, path: str, body: Any = None) -> Any:
        answer = await self.http.request(method, f"/api/3{path}", json=body, headers=TOKEN)
        answer.raise_for_status()
        return answer.json()

    async def control(self, route: str, body: dict[str, Any] | None = None) -> Any:
        if body is None:
            answer = await self.http.get(f"/_emulator/{route}")
        else:
            answer = await self.http.post(f"/_emulator/{route}", json=body)
        answer.raise_for_status()
        return answer.json()

    async def writes(self) -> int:
        requests = (await self.control("stats"))["requests"]
        return sum(requests.get(route, 0) for route in WRITE_ROUTES)

    async def tagged(self) -> set[str]:
        """Emails carrying the tag in Prospect2, read straight from the API."""
        tags = (await self.prospect2("GET", "/tags?limit=100"))["tags"]
        tag_id = next(t["id"] for t in tags if t["tag"] == TAG)
        found: set[str] = set()
        offset = 0
        while True:
            page = (await self.prospect2(
                "GET", f"/contacts?tagid={tag_id}&limit=100&offset={offset}"))["contacts"]
            found |= {c["email"].lower() for c in page}
            if len(page) < 100:
                return found
            offset += 100

    async def expected(self) -> set[str]:
        """What the list and the sync's filters say now (primary, active, permission Y), less
        the addresses Prospect2 refuses to import (churn's ``mistype``)."""
        assert self.session is not None
        source = self.session.port(LIST_SOURCE_PORT)
        await source.regenerate(MEMBERS_LIST)
        members = await source.members(MEMBERS_LIST)
        rows = await source.export(list(members))
        return {r.address.strip().lower() for r in rows
                if r.primary and not r.inactive and r.permission == "Y"
                and EMAIL.match(r.address.strip())}

    async def eligible_members(self) -> set[int]:
        """Listed constituents with an address the sync's filters let through."""
        assert self.session is not None
        source = self.session.port(LIST_SOURCE_PORT)
        rows = await source.export(sorted(await self.members()))
        return {r.constituent_id for r in rows
                if r.primary and not r.inactive and r.permission == "Y"}

    async def holding_purpose(self, purpose: int, constituents: set[int]) -> set[str]:
        """Addresses of these constituents that hold ``purpose`` in Tessitura now."""
        assert self.session is not None
        rows = await self.session.port(LIST_SOURCE_PORT).export(sorted(constituents))
        return {r.address.strip().lower() for r in rows if purpose in r.purpose_ids}

    async def members(self) -> set[int]:
        assert self.session is not None
        return set(await self.session.port(LIST_SOURCE_PORT).members(MEMBERS_LIST))

    async def output_values(self) -> dict[int, dict[str, object]]:
        """Each list member's "Pro2 Member Data" row, read straight from Tessitura."""
        rows: dict[int, dict[str, object]] = {}
        page = 1
        while True:
            answer = await self.http.post(
                f"/TessituraService/Reporting/Lists/{MEMBERS_LIST}/Results",
                json={"Page": page, "PageSize": 1000, "DisableListGenerate": True},
                auth=("callboard:admin:emulator", "emulator"))
            answer.raise_for_status()
            rows.update({r["ConstituentId"]: r for r in answer.json()})
            if page * 1000 >= int(answer.headers["X-Total-Count"]):
                return rows
            page += 1

    async def field_values(self, email: str) -> dict[str, str]:
        """A contact's custom field values in Prospect2, by perstag."""
        found = (await self.prospect2("GET", f"/contacts?email={email}"))["contacts"]
        if not found:
            return {}
        values = (await self.prospect2("GET", f"/contacts/{found[0]['id']}/fieldValues"))
        by_id = {v: k for k, v in self.field_ids.items()}
        return {by_id[str(v["field"])]: v["value"] for v in values["fieldValues"]
                if str(v["field"]) in by_id}
