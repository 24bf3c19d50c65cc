"""The emulators as their own process (``callboard emulator serve``), and a Data Sync run
against them from this one: what the memory and rate benchmarks measure, with the
emulator's memory and CPU outside Callboard's process.

``ServedEmulator`` starts and stops the server; ``served_run`` makes the product's clients,
ports and runner against it, with Prospect2's client budgets (5 requests a second, 100
imports a minute) times ``scale``, as the emulator's ``rate_limit_scale`` raises its own.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from engine.state.sqlite import SqliteState
from engine.sync.contact_data import CarriedField
from engine.sync.definition import SyncDefinition
from engine.sync.filters import AddressFilter
from engine.sync.runner import DataSyncRunner
from providers.prospect2.client import PUBLISHED_RATE, Prospect2Client
from providers.prospect2.sync_target import IMPORTS_PER_MINUTE, ImportWindow, Prospect2TagTarget
from providers.tessitura.client import TessituraClient
from providers.tessitura.sync_source import TessituraListSource

TOKEN = "emulator-token"
#: The large seed's lists: Board (10,014), Lapsed Donors (150,147), All Constituents (1M).
LISTS = {"10k": 104, "150k": 102, "1m": 105}
#: The demo seed's, for ``--quick`` (sizes meaningless).
QUICK_LISTS = {"10k": 104, "150k": 102, "1m": 105}
MEMBER_DATA = 31  # the seeds' "Pro2 Member Data" output set
CARRIED = (("MEMBERSHIP_LEVEL", "text", "Membership Level"),
           ("LIFETIME_GIVING", "text", "Lifetime Giving"))


class ServedEmulator:
    """``with ServedEmulator("large") as base:`` the emulators on a free loopback port."""

    def __init__(self, seed: str) -> None:
        self.seed = seed
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> str:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from engine.cli.main import entry; entry()", "emulator",
             "serve", "--port", str(port), "--seed", self.seed],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/_emulator/stats", timeout=1).status_code == 200:
                    return base
            except httpx.TransportError:
                time.sleep(0.1)
        self.process.kill()
        raise RuntimeError(f"emulator did not start: {self.process.communicate()[1]}")

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


def control(base: str, route: str, body: dict[str, Any] | None = None) -> Any:
    """The emulators' control API (``/_emulator/ROUTE``)."""
    url = f"{base}/_emulator/{route}"
    answer = httpx.post(url, json=body, timeout=60) if body is not None else httpx.get(
        url, timeout=60)
    answer.raise_for_status()
    return answer.json()


def carried_fields(base: str) -> tuple[CarriedField, ...]:
    """Custom fields for the contact data (made in Prospect2 if missing)."""
    headers = {"Api-Token": TOKEN}
    found: list[CarriedField] = []
    for perstag, kind, column in CARRIED:
        listed = httpx.get(f"{base}/api/3/fields", params={"limit": 100}, headers=headers,
                           timeout=60).json()["fields"]
        field = next((f for f in listed if f.get("perstag") == perstag), None)
        if field is None:
            field = httpx.post(f"{base}/api/3/fields", headers=headers, timeout=60, json={
                "field": {"title": perstag, "type": kind, "perstag": perstag}}).json()["field"]
        found.append(CarriedField(str(field["id"]), perstag, column, kind))
    return tuple(found)


def definition(list_id: int, name: str, *, fields: tuple[CarriedField, ...] = (),
               resync: str = "audit", mode: str = "add_and_remove") -> SyncDefinition:
    """A sync of ``list_id`` with seed 003's default filters (primary addresses, contact
    permission required), its own tag, and contact data when ``fields`` are given."""
    return SyncDefinition(
        address=f"data_syncs.{name}", name=name, sync_id=f"bench-{name}", list_id=list_id,
        tag=f"Bench - {name}", mode=mode, trigger_webhooks=False, trigger_automations=False,
        address_filter=AddressFilter(primary_only=True), schedule=None, notify=(),
        enabled=True, contact_fields=fields, output_set_id=MEMBER_DATA if fields else None,
        resync=resync)


@asynccontextmanager
async def served_runner(base: str, *, scale: float | None = None
                        ) -> AsyncIterator[tuple[DataSyncRunner, SqliteState]]:
    """The product's runner against ``base`` with a state of its own; Prospect2's client
    budgets times ``scale`` (None: no budget worth the name, for memory and call counts)."""
    rate = PUBLISHED_RATE * scale if scale else 100_000.0
    imports = int(IMPORTS_PER_MINUTE * scale) if scale else 1_000_000
    prospect2 = Prospect2Client(f"{base}/api/3", TOKEN, rate_per_second=rate)
    tessitura = TessituraClient(f"{base}/TessituraService", "callboard", "admin", "emulator",
                                "emulator")
    folder = tempfile.TemporaryDirectory()
    state = SqliteState(Path(folder.name) / "state.db")
    target = Prospect2TagTarget(prospect2, import_window=ImportWindow(imports))
    try:
        yield (DataSyncRunner(TessituraListSource(tessitura), target, state,
                              max_remove_fraction=1.0), state)
    finally:
        await prospect2.aclose()
        await tessitura.aclose()
        state.close()
        folder.cleanup()
