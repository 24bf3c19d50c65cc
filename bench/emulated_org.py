"""An in-process emulated organization for the API-cost benchmarks: both emulators in one ASGI
app, the product's clients and sync ports over HTTP, a SQLite state and one Data Sync.

The sync is built by hand (no ``callboard apply``): the benchmarks measure what a run costs,
not how a sync is declared. Its filters are seed 003's defaults (primary addresses only,
contact permission required).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import httpx

from engine.state.sqlite import SqliteState
from engine.sync.definition import SyncDefinition
from engine.sync.filters import AddressFilter
from engine.sync.runner import DataSyncRunner
from providers.emulator_host import build_emulator_app
from providers.http.retry import RetryPolicy
from providers.prospect2.client import Prospect2Client
from providers.prospect2.sync_target import Prospect2TagTarget
from providers.tessitura.client import TessituraClient
from providers.tessitura.sync_source import TessituraListSource

BASE = "http://bench.emulator"
TOKEN = "emulator-token"
ALL_CONSTITUENTS_LIST = 105  # spans everyone in the seed
TAG = "Bench - Synced"
#: The product's retry counts with short waits, so an in-process benchmark is not slowed by
#: back-off meant for a remote server (429 waits still follow Retry-After).
BENCH_RETRY = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05)


class EmulatedOrganization:
    """Use as ``async with EmulatedOrganization(...) as org``."""

    def __init__(self, *, seed: str = "demo", prospect2_rate: float = 1000.0) -> None:
        self.transport = httpx.ASGITransport(app=build_emulator_app(seed=seed))
        self.http = httpx.AsyncClient(transport=self.transport, base_url=BASE, timeout=60)
        self.prospect2_client = Prospect2Client(f"{BASE}/api/3", TOKEN,
                                                transport=self.transport,
                                                rate_per_second=prospect2_rate,
                                                retry=BENCH_RETRY)
        self.tessitura_client = TessituraClient(f"{BASE}/TessituraService", "callboard",
                                                "admin", "emulator", "emulator",
                                                transport=self.transport, retry=BENCH_RETRY)
        self._folder = tempfile.TemporaryDirectory()
        self.state = SqliteState(Path(self._folder.name) / "state.db")

    async def __aenter__(self) -> EmulatedOrganization:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.prospect2_client.aclose()
        await self.tessitura_client.aclose()
        await self.http.aclose()
        self.state.close()
        self._folder.cleanup()

    def target(self) -> Prospect2TagTarget:
        return Prospect2TagTarget(self.prospect2_client)

    def source(self) -> TessituraListSource:
        return TessituraListSource(self.tessitura_client)

    def runner(self) -> DataSyncRunner:
        return DataSyncRunner(self.source(), self.target(), self.state, max_remove_fraction=1.0)

    @staticmethod
    def definition(list_id: int = ALL_CONSTITUENTS_LIST) -> SyncDefinition:
        return SyncDefinition(
            address="data_syncs.bench", name="bench", sync_id="bench-1", list_id=list_id,
            tag=TAG, mode="add_and_remove", trigger_webhooks=False, trigger_automations=False,
            address_filter=AddressFilter(primary_only=True), schedule=None, notify=(),
            enabled=True)

    # -- the control API -------------------------------------------------------------------
    async def control(self, route: str, body: dict[str, Any] | None = None) -> Any:
        if body is None:
            answer = await self.http.get(f"/_emulator/{route}")
        else:
            answer = await self.http.post(f"/_emulator/{route}", json=body)
        answer.raise_for_status()
        return answer.json()

    async def requests(self) -> dict[str, int]:
        """Requests per ``METHOD /route`` the emulators have answered so far."""
        return dict((await self.control("stats"))["requests"])

    async def api(self, method: str, path: str, body: Any = None) -> Any:
        """A direct Prospect2 call, as a naive one-contact-at-a-time integration makes it."""
        answer = await self.http.request(method, f"/api/3{path}", json=body,
                                         headers={"Api-Token": TOKEN})
        answer.raise_for_status()
        return answer.json()


def calls_between(before: dict[str, int], after: dict[str, int], prefix: str) -> int:
    """Requests to routes starting with ``prefix`` (``"POST /api/3"``, ``"GET /Tess..."``)."""
    return sum(count - before.get(route, 0) for route, count in after.items()
               if route.split(" ", 1)[1].startswith(prefix))
