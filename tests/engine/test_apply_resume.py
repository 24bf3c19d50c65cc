"""An apply interrupted part-way (here: between a replace's delete and its create) is finished
by running the same saved plan again, with nothing doubled."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from engine.apply.executor import ApplyFailed, apply_plan
from engine.manifests.loader import load_manifests
from engine.plan.model import Plan
from engine.plan.planner import make_plan
from engine.providers import ProviderContext, provider_classes
from engine.session import Session
from engine.state.sqlite import SqliteState
from providers.emulator_host import build_emulator_app

ENV = {"PROSPECT2_URL": "http://emulator/api/3", "PROSPECT2_API_TOKEN": "emulator-token",
       "TESSITURA_URL": "http://emulator/TessituraService", "TESSITURA_USER": "callboard",
       "TESSITURA_USERGROUP": "admin", "TESSITURA_LOCATION": "emulator",
       "TESSITURA_PASSWORD": "emulator"}


class RefusingTransport(httpx.AsyncBaseTransport):
    """Prospect2 refuses one kind of write (as a validation error would), everything else
    reaches the emulator."""

    def __init__(self, inner: httpx.AsyncBaseTransport, method: str, path: str) -> None:
        self.inner, self.method, self.path = inner, method, path

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == self.method and request.url.path == self.path:
            return httpx.Response(422, json={"errors": [{"title": "Refused for the test",
                                                         "detail": "try again later"}]},
                                  request=request)
        return await self.inner.handle_async_request(request)


def _session(transport: httpx.AsyncBaseTransport) -> Session:
    return Session(provider_classes(), ProviderContext(env=ENV, transport=transport))


async def _fields_with_perstag(app, perstag: str) -> list[dict]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://emulator/api/3",
                                 headers={"Api-Token": "emulator-token"}) as http:
        fields = (await http.get("/fields", params={"limit": 100})).json()["fields"]
    return [f for f in fields if f["perstag"] == perstag]


def test_replace_interrupted_between_delete_and_create_is_finished(tmp_path: Path) -> None:
    (tmp_path / "f.yaml").write_text(
        "custom_fields:\n  last-attended: {title: Last Attended, type: date}\n")
    app = build_emulator_app(seed="small")
    state = SqliteState(tmp_path / "state.db")
    registry_session = _session(httpx.ASGITransport(app=app))
    manifests = load_manifests(tmp_path, registry_session.registry)

    async def scenario() -> None:
        plan = await make_plan(registry_session, manifests, state)
        await apply_plan(registry_session, plan, state, saved=False)
        await registry_session.aclose()

        (tmp_path / "f.yaml").write_text(
            "custom_fields:\n  last-attended: {title: Last Attended, type: text}\n")
        changed = load_manifests(tmp_path, _session(httpx.ASGITransport(app=app)).registry)
        planner = _session(httpx.ASGITransport(app=app))
        replace = await make_plan(planner, changed, state)
        await planner.aclose()
        assert [(c.action, c.replace_reason) for c in replace.changes] == [("replace", "type")]
        saved = Plan.from_dict(replace.to_dict())

        broken = _session(RefusingTransport(httpx.ASGITransport(app=app), "POST",
                                            "/api/3/fields"))
        with pytest.raises(ApplyFailed, match="run the same apply again"):
            await apply_plan(broken, saved, state, saved=True, force=True)
        await broken.aclose()
        assert await _fields_with_perstag(app, "LAST_ATTENDED") == []  # deleted, not created

        fixed = _session(httpx.ASGITransport(app=app))
        await apply_plan(fixed, saved, state, saved=True, force=True)
        after = await make_plan(fixed, changed, state)
        await fixed.aclose()
        assert after.changes == []
        [field] = await _fields_with_perstag(app, "LAST_ATTENDED")
        assert field["type"] == "text"
        assert state.get("custom_fields.last-attended").remote_id == str(field["id"])

    asyncio.run(scenario())


class RefusingPrefixTransport(RefusingTransport):
    """Refuses every request of one method under a path prefix (e.g. deleting Data Syncs)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == self.method and request.url.path.startswith(self.path):
            return httpx.Response(422, json={"errors": [{"title": "Refused for the test"}]},
                                  request=request)
        return await self.inner.handle_async_request(request)


SYNC = """tags:
  members-active: {name: Member - Active}
  feedback: {name: Feedback}
data_syncs:
  members:
    list: Members - Current
    tag: %s
    schedule: {daily: "02:00"}
"""


async def _syncs(app) -> list[dict]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://emulator/api/3",
                                 headers={"Api-Token": "emulator-token"}) as http:
        return (await http.get("/tessitura/dataSyncs", params={"limit": 100})).json()[
            "dataSyncs"]


def test_replace_interrupted_between_create_and_delete_is_finished(tmp_path: Path) -> None:
    """A Data Sync's tag change creates the new sync first (seed 003); if deleting the old
    one fails, the next apply deletes it without creating a second new one."""
    (tmp_path / "m.yaml").write_text(SYNC % "members-active")
    app = build_emulator_app(seed="small")
    state = SqliteState(tmp_path / "state.db")

    async def scenario() -> None:
        first = _session(httpx.ASGITransport(app=app))
        manifests = load_manifests(tmp_path, first.registry)
        await apply_plan(first, await make_plan(first, manifests, state), state, saved=False)
        await first.aclose()
        [old] = await _syncs(app)

        (tmp_path / "m.yaml").write_text(SYNC % "feedback")
        planner = _session(httpx.ASGITransport(app=app))
        changed = load_manifests(tmp_path, planner.registry)
        replace = await make_plan(planner, changed, state)
        await planner.aclose()
        assert [(c.action, c.replace_reason) for c in replace.changes] == [("replace", "tag")]

        broken = _session(RefusingPrefixTransport(httpx.ASGITransport(app=app), "DELETE",
                                                  "/api/3/tessitura/dataSyncs/"))
        with pytest.raises(ApplyFailed):
            await apply_plan(broken, replace, state, saved=True, force=True)
        await broken.aclose()
        assert len(await _syncs(app)) == 2  # the new one exists, the old one is still there

        fixed = _session(httpx.ASGITransport(app=app))
        await apply_plan(fixed, replace, state, saved=True, force=True)
        after = await make_plan(fixed, changed, state)
        await fixed.aclose()
        [new] = await _syncs(app)
        assert new["id"] != old["id"] and new["tag"] == "Feedback"
        assert state.get("data_syncs.members").remote_id == str(new["id"])
        assert after.changes == []

    asyncio.run(scenario())


def test_a_failed_group_stops_the_apply_before_the_kinds_after_it(tmp_path: Path) -> None:
    """The tag could not be created: the Data Sync naming it (a later group) is not tried,
    and running the same apply again once the cause is fixed makes both."""
    (tmp_path / "m.yaml").write_text(SYNC % "feedback")
    app = build_emulator_app(seed="small")
    state = SqliteState(tmp_path / "state.db")

    async def scenario() -> None:
        planner = _session(httpx.ASGITransport(app=app))
        plan = await make_plan(planner, load_manifests(tmp_path, planner.registry), state)
        await planner.aclose()
        assert [c.address for c in plan.changes] == ["tags.feedback", "tags.members-active",
                                                     "data_syncs.members"]
        broken = _session(RefusingTransport(httpx.ASGITransport(app=app), "POST",
                                            "/api/3/tags"))
        failed: list[tuple[str, str]] = []
        with pytest.raises(ApplyFailed) as refused:
            await apply_plan(broken, plan, state, saved=False, listener=lambda change, event,
                             detail: failed.append((change.address, detail))
                             if event == "error" else None)
        assert sorted(a for a, _ in failed) == ["tags.feedback", "tags.members-active"]
        assert all("Refused for the test" in detail for _, detail in failed)
        assert str(refused.value).splitlines() == [  # each failure on its own line
            "2 changes failed and 1 change was not started; 0 finished and are recorded in "
            "state. Fix the cause and run "
            "the same apply again to finish:", *(f"  {a}: {d}" for a, d in failed)]
        await broken.aclose()
        assert await _syncs(app) == [] and state.resources() == {}

        fixed = _session(httpx.ASGITransport(app=app))
        result = await apply_plan(fixed, plan, state, saved=False)
        await fixed.aclose()
        assert sorted(result.done) == ["data_syncs.members", "tags.feedback",
                                       "tags.members-active"]
        assert [s["tag"] for s in await _syncs(app)] == ["Feedback"]

    asyncio.run(scenario())
