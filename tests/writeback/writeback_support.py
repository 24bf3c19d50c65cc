"""Writeback test helpers: the emulated organization as a driver sees it, over HTTP only."""

from __future__ import annotations

import json
from typing import Any

import httpx

from providers.http.retry import RetryPolicy
from providers.prospect2.client import Prospect2Client
from providers.prospect2.writeback_source import Prospect2CampaignSource
from providers.tessitura.client import TessituraClient
from providers.tessitura.writeback_sink import TessituraWritebackSink

BASE = "http://emulator"
TOKEN = {"Api-Token": "emulator-token"}
TESSITURA_AUTH = ("callboard:admin:emulator", "emulator")
#: The product's retries with the waits shrunk, so fault tests take milliseconds.
QUICK_RETRY = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.002)
#: Seeded Tessitura reference rows: appeal "FY27 Subscriptions", group "Email Marketing".
APPEAL_ID, SOURCE_GROUP_ID = 501, 21


class Organization:
    """Both emulated services and the control API, as a test driver (or a UI user) sees them."""

    def __init__(self, http: httpx.AsyncClient, transport: httpx.AsyncBaseTransport) -> None:
        self.http = http
        self.transport = transport

    async def add_mapping(self, name: str, match: dict[str, str], *,
                          appeal_id: int = APPEAL_ID, since: str | None = None) -> str:
        """``since`` None: the mapping writes back campaigns sent from the day it is made."""
        body = {"writebackMapping": {"name": name, "match": match, "appealId": appeal_id,
                                     "sourceGroupId": SOURCE_GROUP_ID, "since": since}}
        answer = await self.http.post("/api/3/tessitura/writebackMappings", json=body,
                                      headers=TOKEN)
        answer.raise_for_status()
        return answer.json()["writebackMapping"]["id"]

    async def send_campaign(self, name: str, recipients: int) -> str:
        answer = await self.http.post("/_emulator/campaigns/send",
                                      json={"name": name, "recipients": recipients})
        answer.raise_for_status()
        return answer.json()["campaignId"]

    async def add_contact(self, email: str) -> None:
        answer = await self.http.post("/api/3/contact/sync", json={"contact": {"email": email}},
                                      headers=TOKEN)
        answer.raise_for_status()

    async def faults(self, **settings: Any) -> None:
        (await self.http.post("/_emulator/faults", json=settings)).raise_for_status()

    async def requests(self, template: str) -> int:
        stats = (await self.http.get("/_emulator/stats")).json()
        return int(stats["requests"].get(template, 0))

    async def recipient_constituents(self, campaign_id: str) -> tuple[set[int], int]:
        """Worked out independently of Callboard: each recipient's lowest owning constituent,
        and how many recipient addresses nobody owns."""
        owners: set[int] = set()
        unowned = offset = 0
        while True:
            page = (await self.http.get(f"/api/3/campaigns/{campaign_id}/recipients",
                                        params={"limit": 100, "offset": offset},
                                        headers=TOKEN)).json()["recipients"]
            for row in page:
                found = (await self.http.get("/TessituraService/CRM/ElectronicAddresses",
                                             params={"address": row["email"]},
                                             auth=TESSITURA_AUTH)).json()
                ids = [r["Constituent"]["Id"] for r in found
                       if r["Address"].casefold() == row["email"].casefold()]
                if ids:
                    owners.add(min(ids))
                else:
                    unowned += 1
            if len(page) < 100:
                return owners, unowned
            offset += 100

    async def execute(self, procedure: str, **params: Any) -> dict[str, Any]:
        body = {"ProcedureName": procedure,
                "ParameterValues": [{"Name": f"@{k}", "Value": str(v)} for k, v in params.items()]}
        answer = await self.http.post("/TessituraService/Custom/Execute", json=body,
                                      auth=TESSITURA_AUTH)
        answer.raise_for_status()
        return answer.json()[0]

    async def source(self, source_id: int) -> dict[str, Any]:
        """A source's detail; ``NumContacts`` is how many promotions it has."""
        answer = await self.http.get(f"/TessituraService/Finance/Sources/{source_id}",
                                     auth=TESSITURA_AUTH)
        answer.raise_for_status()
        return answer.json()

    async def sources_described(self, description: str) -> list[int]:
        sources = (await self.http.get("/TessituraService/Finance/Sources/Summary",
                                       auth=TESSITURA_AUTH)).json()
        return [s["Id"] for s in sources if s["Description"] == description]

    async def promotions_already_present(self, source_id: int, ids: set[int]) -> dict[str, int]:
        """Re-send every id: the procedure skips existing promotions, so all-Skipped proves
        each constituent was promoted."""
        return await self.execute("LP_CALLBOARD_ADD_PROMOTIONS", source_id=source_id,
                                  constituent_ids=",".join(str(i) for i in sorted(ids)))


def writeback_ports(transport: httpx.AsyncBaseTransport,
                    ) -> tuple[Prospect2CampaignSource, TessituraWritebackSink]:
    """The two ports as the providers build them, with quick retries."""
    prospect2 = Prospect2Client(f"{BASE}/api/3", "emulator-token", transport=transport,
                                retry=QUICK_RETRY, rate_per_second=1000)
    tessitura = TessituraClient(f"{BASE}/TessituraService", "callboard", "admin", "emulator",
                                "emulator", transport=transport, retry=QUICK_RETRY)
    return Prospect2CampaignSource(prospect2), TessituraWritebackSink(tessitura)


class FailAfterPromotionBatches(httpx.AsyncBaseTransport):
    """Lets ``allowed`` promotion batches through, then switches the emulator's faults to
    ``error_rate`` 1.0, as a Tessitura outage in the middle of a run."""

    def __init__(self, inner: httpx.AsyncBaseTransport, allowed: int) -> None:
        self.inner = inner
        self.allowed = allowed
        self.batches = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if _is_promotion_batch(request) and response.status_code == 200:
            self.batches += 1
            if self.batches == self.allowed:
                outage = httpx.Request("POST", f"{BASE}/_emulator/faults",
                                       json={"error_rate": 1.0})
                await self.inner.handle_async_request(outage)
        return response


def _is_promotion_batch(request: httpx.Request) -> bool:
    return (request.url.path.endswith("/Custom/Execute")
            and json.loads(request.content)["ProcedureName"] == "LP_CALLBOARD_ADD_PROMOTIONS")
