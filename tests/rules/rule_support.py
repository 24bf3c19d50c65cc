"""Planning fixture manifests against an in-process emulator, as ``callboard plan`` does.

Used by the seed rule tests and the Prospect2 integration kinds' round trips: the real
loader, the real planner and apply, the emulators over ``httpx.ASGITransport`` and a SQLite
state in a temporary directory.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from engine.apply.executor import ApplyResult, apply_plan
from engine.drift import DriftReport, find_drift
from engine.errors import ManifestErrors
from engine.manifests.loader import load_manifests
from engine.plan.model import Plan
from engine.plan.planner import make_plan
from engine.providers import KindRegistry, ProviderContext, provider_classes
from engine.session import Session
from engine.state import StateStore, open_state
from providers.emulator_host import build_emulator_app
from providers.http.rate_limit import SlidingWindowLimiter

RULE_CASES = Path(__file__).parent.parent / "manifests" / "rules"
ENV = {
    "PROSPECT2_URL": "http://emulator/api/3",
    "PROSPECT2_API_TOKEN": "emulator-token",
    "TESSITURA_URL": "http://emulator/TessituraService",
    "TESSITURA_USER": "callboard",
    "TESSITURA_USERGROUP": "admin",
    "TESSITURA_LOCATION": "emulator",
    "TESSITURA_PASSWORD": "emulator",
}
#: Tessitura's basic auth: ``user:usergroup:location`` and the password.
TESSITURA_AUTH = ("callboard:admin:emulator", "emulator")


@dataclass
class Workspace:
    """A manifest directory, a state file and one emulated organization."""

    root: Path
    #: The in-process emulators (a test may wrap it, e.g. to lose an answer).
    transport: httpx.AsyncBaseTransport
    state: StateStore

    @property
    def manifests(self) -> Path:
        return self.root / "manifests"

    def write(self, text: str, file: str = "main.yaml") -> None:
        self.manifests.mkdir(exist_ok=True)
        (self.manifests / file).write_text(text)

    def use_case(self, case: str) -> None:
        """Copy ``tests/manifests/rules/CASE.yaml`` in as the only manifest."""
        shutil.rmtree(self.manifests, ignore_errors=True)
        self.manifests.mkdir()
        shutil.copy(RULE_CASES / f"{case}.yaml", self.manifests / f"{case}.yaml")

    def session(self) -> Session:
        session = Session(provider_classes(), ProviderContext(env=ENV, transport=self.transport))
        # Prospect2's 5 requests a second is the client's own pacing; tests need not wait.
        session.provider("prospect2").client.limiter = SlidingWindowLimiter(10_000)
        return session

    async def plan(self, *, refresh_only: bool = False) -> Plan:
        """``callboard plan`` (``--refresh-only``: record what is live, change nothing)."""
        session = self.session()
        try:
            manifests = load_manifests(self.manifests, session.registry, display_root=self.root)
            return await make_plan(session, manifests, self.state, refresh_only=refresh_only)
        finally:
            await session.aclose()

    async def refused(self) -> str:
        """The messages of a plan that must be refused, one per line."""
        try:
            await self.plan()
        except ManifestErrors as exc:
            return str(exc)
        raise AssertionError("the plan was not refused")

    async def apply(self, plan: Plan, *, force: bool = True) -> ApplyResult:
        """Apply as ``apply --auto-approve`` (with ``--force``: deleting the only managed
        object of a test is the point, not a mistake)."""
        session = self.session()
        try:
            return await apply_plan(session, plan, self.state, saved=False, force=force)
        finally:
            await session.aclose()

    async def plan_and_apply(self) -> Plan:
        plan = await self.plan()
        await self.apply(plan)
        return plan

    async def drift(self) -> DriftReport:
        """What ``callboard drift`` reports for these manifests and this state."""
        registry = KindRegistry(provider_classes())
        manifests = load_manifests(self.manifests, registry, display_root=self.root)
        session = self.session()
        try:
            return await find_drift(session, manifests, self.state)
        finally:
            await session.aclose()

    async def api(self, method: str, path: str, json: Any = None) -> httpx.Response:
        """The emulated Prospect2 API, spoken to out of band (a person in the UI)."""
        async with httpx.AsyncClient(transport=self.transport, base_url="http://emulator",
                                     headers={"Api-Token": "emulator-token"}) as http:
            return await http.request(method, f"/api/3{path}", json=json)

    async def tessitura(self, method: str, path: str, json: Any = None) -> httpx.Response:
        """The emulated Tessitura REST API, spoken to out of band (an administrator)."""
        async with httpx.AsyncClient(transport=self.transport, base_url="http://emulator",
                                     auth=TESSITURA_AUTH) as http:
            return await http.request(method, f"/TessituraService{path}", json=json)

    async def count(self, template: str) -> int:
        async with httpx.AsyncClient(transport=self.transport, base_url="http://emulator") as h:
            answer = await h.get("/_emulator/stats")
        return int(answer.json()["requests"].get(template, 0))


def _emulator(tmp_path: Path, seed: str, account: dict[str, Any] | None) -> httpx.ASGITransport:
    """The emulated organization; ``account`` changes the Prospect2 account's settings the
    way an administrator would have set them up (through the emulator's saved world)."""
    if account is None:
        return httpx.ASGITransport(app=build_emulator_app(seed=seed))
    data_dir = tmp_path / "emulator"
    build_emulator_app(seed=seed, data_dir=str(data_dir))
    saved = data_dir / "prospect2.json"
    world = json.loads(saved.read_text())
    world["account"].update(account)
    saved.write_text(json.dumps(world))
    return httpx.ASGITransport(app=build_emulator_app(seed=seed, data_dir=str(data_dir)))


@asynccontextmanager
async def workspace(tmp_path: Path, seed: str = "small",
                    account: dict[str, Any] | None = None) -> AsyncIterator[Workspace]:
    transport = _emulator(tmp_path, seed, account)
    state = open_state(str(tmp_path / "state.db"))
    try:
        yield Workspace(tmp_path, transport, state)
    finally:
        state.close()


def warnings_of(plan: Plan) -> list[str]:
    """Warnings as the text renderer's source line shows them: ``file:line: address: msg``."""
    return [f"{w.origin}: {w.address}: {w.message}" for w in plan.warnings]
