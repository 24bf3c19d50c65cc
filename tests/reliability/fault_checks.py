"""``apply`` and ``sync run`` while the services fail: 10 % 5xx, 5 % 429 and latency.

Runs in-process against the emulators (HTTP through ``httpx.ASGITransport``) with the product's
own retry policy, its waits shrunk, so a hundred runs take seconds. The emulator's fault dice
are seeded by ``/_emulator/reset``; each run rolls them a different number of times first, so
every run meets a different, reproducible sequence of failures. Half of the injected 5xx
answers are sent after the write happened: the case in which a blind retry doubles a change.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from engine.apply.executor import apply_plan
from engine.errors import CallboardError
from engine.manifests.loader import load_manifests
from engine.plan.planner import make_plan
from engine.providers import KindRegistry, ProviderContext, provider_classes
from engine.session import Session
from engine.state.sqlite import SqliteState
from engine.sync.definition import load_definition, state_record
from engine.sync.ports import LIST_SOURCE_PORT, TAG_TARGET_PORT
from engine.sync.runner import DataSyncRunner
from providers.emulator_host import build_emulator_app
from providers.http.retry import RetryPolicy
from tests.e2e.conftest import EXAMPLE
from tests.reliability.figures import Figure, figure

BASE = "http://faults.emulator"
ENV = {"PROSPECT2_URL": f"{BASE}/api/3", "PROSPECT2_API_TOKEN": "emulator-token",
       "TESSITURA_URL": f"{BASE}/TessituraService", "TESSITURA_USER": "callboard",
       "TESSITURA_USERGROUP": "admin", "TESSITURA_LOCATION": "emulator",
       "TESSITURA_PASSWORD": "emulator"}
FAULTS = {"error_rate": 0.10, "rate_429": 0.05, "latency_ms": 1}
NO_FAULTS = {"error_rate": 0.0, "rate_429": 0.0, "latency_ms": 0}
#: The product's retries (attempt budgets unchanged), with millisecond waits.
FAST_RETRY = RetryPolicy(base_delay=0.001, max_delay=0.004)
#: Files that can be left out of a run together with what depends on them.
OPTIONAL = (("custom_fields.yaml",), ("tessitura.yaml", "csi_webhooks.yaml"),
            ("data_syncs.yaml", "custom_fields.yaml"), ("campaign_writebacks.yaml",))
SYNC = "members"
SYNC_TAG = "Member - Active"
#: The members sync's list and its tag's purpose ("Season Announcements", trigger webhooks).
MEMBERS_LIST, PURPOSE = 101, 2
TESSITURA_AUTH = ("callboard:admin:emulator", "emulator")


class Org:
    """One emulated organization and a state file, driven as ``callboard`` would drive it."""

    def __init__(self, root: Path) -> None:
        self.transport = httpx.ASGITransport(app=build_emulator_app(seed="demo"))
        self.http = httpx.AsyncClient(transport=self.transport, base_url=BASE, timeout=30)
        self.root = root

    def session(self) -> Session:
        session = Session(provider_classes(), ProviderContext(
            env=ENV, transport=self.transport, settings={"sandbox": True}))
        for name in ("prospect2", "tessitura"):
            session.provider(name).client.retry = FAST_RETRY  # type: ignore[attr-defined]
        return session

    async def control(self, route: str, body: dict[str, Any]) -> Any:
        answer = await self.http.post(f"/_emulator/{route}", json=body)
        answer.raise_for_status()
        return answer.json()

    async def roll_dice(self, times: int) -> None:
        """Consume the seeded fault dice so this run meets its own failures."""
        for _ in range(times):
            await self.http.get("/api/3/tags?limit=1", headers={"Api-Token": "emulator-token"})

    async def tagged(self, tag: str) -> set[str]:
        headers = {"Api-Token": "emulator-token"}
        tags = (await self.http.get("/api/3/tags", params={"limit": 100, "search": tag},
                                    headers=headers)).json()["tags"]
        tag_id = next((t["id"] for t in tags if t["tag"] == tag), None)
        if tag_id is None:
            return set()
        found: set[str] = set()
        offset = 0
        while True:
            page = (await self.http.get(f"/api/3/contacts?tagid={tag_id}&limit=100&offset="
                                        f"{offset}", headers=headers)).json()["contacts"]
            found |= {c["email"].lower() for c in page}
            if len(page) < 100:
                return found
            offset += 100

    async def holding_purpose(self, purpose: int) -> set[str]:
        """Addresses of the members list that hold ``purpose`` in Tessitura now."""
        contents = await self.http.get(f"/TessituraService/Reporting/Lists/{MEMBERS_LIST}/"
                                       "Contents", auth=TESSITURA_AUTH)
        ids = ",".join(str(r["ConstituentId"]) for r in contents.json())
        rows = (await self.http.post("/TessituraService/Custom/Execute", auth=TESSITURA_AUTH,
                                     json={"ProcedureName": "LP_CALLBOARD_SYNC_EXPORT",
                                           "ParameterValues": [{"Name": "@constituent_ids",
                                                                "Value": ids}]})).json()
        return {r["Address"].strip().lower() for r in rows
                if str(purpose) in str(r.get("PurposeIds") or "").split(",")}

    async def close(self) -> None:
        await self.http.aclose()


def _manifests(root: Path, files: set[str]) -> Path:
    target = root / "manifests"
    target.mkdir(parents=True)
    for path in EXAMPLE.glob("*.yaml"):
        if path.name in files or path.name in ("tags.yaml", "callboard.yaml"):
            shutil.copy(path, target / path.name)
    return target


async def _live_keys(session: Session, kinds: set[str]) -> Counter[tuple[str, str]]:
    live = await session.read_live(kinds)
    return Counter((kind, str(obj.key)) for kind, objs in live.items() for obj in objs)


async def one_run(org: Org, root: Path, files: set[str], dice: int,
                  reference: tuple[set[str], int] | None) -> list[str]:
    """Apply (and run the members sync) under faults; what went wrong, if anything."""
    await org.control("reset", {"seed": "demo"})
    registry = KindRegistry(provider_classes())
    manifests = load_manifests(_manifests(root, files), registry)
    state = SqliteState(root / "state.db")
    problems: list[str] = []
    try:
        kinds = manifests.kinds()
        session = org.session()
        before = await _live_keys(session, kinds)
        await org.control("faults", FAULTS)
        await org.roll_dice(dice)
        try:
            reruns = await _apply_until_done(session, manifests, state)
            if reruns:
                problems.append(f"rerun: apply failed loudly {reruns} time(s) first")
            if reference is not None:
                definition = await load_definition(session, state_record(state, SYNC), state)
                runner = DataSyncRunner(session.port(LIST_SOURCE_PORT),
                                        session.port(TAG_TARGET_PORT), state)
                report = await runner.run(definition)
                if not report.ok:  # a failed run is finished by the next one, as cron would
                    report = await runner.run(definition)
                if not report.ok:
                    problems.append(f"sync run {report.status}: {report.message}")
                elif report.added != reference[1]:
                    problems.append(f"doubled: sync added {report.added}, fault-free run "
                                    f"{reference[1]}")
        except CallboardError as exc:
            problems.append(f"run failed: {exc}")
        finally:
            await session.aclose()
        await org.control("faults", NO_FAULTS)
        check = org.session()
        try:
            again = await make_plan(check, manifests, state)
            lost = [c.address for c in again.changes]
            if lost:
                problems.append(f"live != desired: {', '.join(lost)}")
            after = await _live_keys(check, kinds)
        finally:
            await check.aclose()
        doubled = [key for key, count in after.items() if count > max(1, before[key])]
        if doubled:
            problems.append(f"doubled: {doubled}")
        if reference is not None:
            tagged = await org.tagged(SYNC_TAG)
            if tagged != reference[0]:
                problems.append("tagged contacts differ from a fault-free run")
            if tagged - await org.holding_purpose(PURPOSE):
                problems.append("lost: tagged addresses lack the tag's purpose in Tessitura")
    finally:
        state.close()
    return problems


async def _apply_until_done(session: Session, manifests: Any, state: SqliteState) -> int:
    """Apply as a pipeline does: a loud failure (a retry budget ran out, or a write the client
    may not repeat blindly) is followed by the same apply again. Returns the re-runs needed."""
    for attempt in range(4):
        try:
            plan = await make_plan(session, manifests, state)
            await apply_plan(session, plan, state, saved=False, parallelism=4)
            return attempt
        except CallboardError:
            if attempt == 3:
                raise
            session.forget_reads()
    return 4


async def _reference(org: Org, root: Path) -> tuple[set[str], int]:
    """The members sync without faults: who ends up tagged, and how many were added."""
    await org.control("reset", {"seed": "demo"})
    registry = KindRegistry(provider_classes())
    manifests = load_manifests(_manifests(root, {"data_syncs.yaml", "custom_fields.yaml"}),
                               registry)
    state = SqliteState(root / "state.db")
    session = org.session()
    try:
        plan = await make_plan(session, manifests, state)
        await apply_plan(session, plan, state, saved=False)
        definition = await load_definition(session, state_record(state, SYNC), state)
        report = await DataSyncRunner(session.port(LIST_SOURCE_PORT),
                                      session.port(TAG_TARGET_PORT), state).run(definition)
        return await org.tagged(SYNC_TAG), report.added
    finally:
        await session.aclose()
        state.close()


async def _runs(count: int, seed: int) -> Figure:
    rng = random.Random(seed)
    problems: list[str] = []
    synced = 0
    with tempfile.TemporaryDirectory() as scratch:
        org = Org(Path(scratch))
        try:
            reference = await _reference(org, Path(scratch) / "reference")
            for run in range(count):
                chosen = [g for g in OPTIONAL if rng.random() < 0.5]
                files = {name for group in chosen for name in group}
                synced += "data_syncs.yaml" in files
                found = await one_run(org, Path(scratch) / f"run-{run}", files,
                                      rng.randrange(200),
                                      reference if "data_syncs.yaml" in files else None)
                problems += [f"run {run} ({', '.join(sorted(files)) or 'tags'}): {p}"
                             for p in found]
        finally:
            await org.close()
    reruns = [p for p in problems if ": rerun: " in p]
    problems = [p for p in problems if ": rerun: " not in p]
    lost = sum("live != desired" in p or "differ" in p for p in problems)
    doubled = sum("doubled" in p for p in problems)
    text = (f"{count} runs ({synced} with a sync run), {lost} lost, {doubled} doubled, "
            f"{'live == desired' if not problems else 'live != desired'}; "
            f"{len(reruns)} runs needed an apply re-run after a loud failure")
    return figure("faults", count, text, problems)


def runs_under_faults(count: int, seed: int = 1) -> Figure:
    """``count`` seeded runs of apply (+ the members sync when its manifest is in the run)."""
    return asyncio.run(_runs(count, seed))
