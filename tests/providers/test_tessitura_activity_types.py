"""The ``activity_types`` kind against the Tessitura emulator, alone and through plan/apply."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from provider_support import TESSITURA_ENV, AnswerLosingTransport
from pydantic import ValidationError

from engine.apply.executor import apply_plan
from engine.errors import ManifestErrors, ProviderError, StaleObjectError
from engine.kinds import FieldProblem, LiveObject, ReferenceContext, ReferenceRow, ResourceSpec
from engine.manifests.loader import load_manifests
from engine.plan.planner import make_plan
from engine.providers import ProviderContext
from engine.references import Ref
from engine.session import Session
from engine.state.sqlite import SqliteState
from providers.tessitura.kinds.activity_types import ActivityTypesHandler, ActivityTypeSpec
from providers.tessitura.provider import TessituraProvider

pytestmark = pytest.mark.anyio

TYPES = "/TessituraService/ReferenceData/ActivityTypes"


class SessionReferences(ReferenceContext):
    """What the planner offers a handler, answered from a real session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.warnings: list[str] = []

    def desired(self, kind: str, name: str) -> ResourceSpec | None:
        return None

    async def live_objects(self, kind: str) -> list[LiveObject]:
        return await self.session.live_objects(kind)

    async def reference(self, table: str) -> list[ReferenceRow]:
        return await self.session.reference(table)

    def warn(self, field: str | None, message: str) -> None:
        self.warnings.append(message)

    def managed_names(self, kind: str) -> list[str]:
        return []


def session_on(transport: httpx.AsyncBaseTransport) -> Session:
    return Session([TessituraProvider], ProviderContext(env=TESSITURA_ENV, transport=transport))


@pytest.fixture
async def session(transport: httpx.ASGITransport) -> AsyncIterator[Session]:
    opened = session_on(transport)
    yield opened
    await opened.aclose()


def handler_of(session: Session) -> ActivityTypesHandler:
    handler = session.handler("activity_types")
    assert isinstance(handler, ActivityTypesHandler)
    return handler


async def resolved(session: Session, **manifest: Any) -> ActivityTypeSpec:
    """A manifest's activity type as plan resolves it and apply hands it to the handler."""
    kind = session.registry["activity_types"]
    spec = kind.desired("x", ActivityTypeSpec.model_validate(manifest))
    return await handler_of(session).resolve(spec, SessionReferences(session))


async def test_list_speaks_manifest_vocabulary(session: Session) -> None:
    live = {o.key: o for o in await handler_of(session).list()}
    assert live["Package Query"].fields == {
        "description": "Package Query", "category": "Ticketing", "perf_ind": "Package",
        "inactive": False}
    assert live["Package Query"].remote_id == "12"
    assert live["Package Query"].version


def test_the_manifest_model_refuses_unknown_perf_indicators() -> None:
    with pytest.raises(ValidationError):
        ActivityTypeSpec.model_validate(
            {"description": "X", "category": "Ticketing", "perf_ind": "Sometimes"})


async def test_category_by_id_or_any_case_resolves_to_its_description(
        session: Session) -> None:
    refs = SessionReferences(session)
    handler = handler_of(session)
    by_id = await handler.resolve(
        ActivityTypeSpec.model_validate({"description": "X", "category": {"id": 3}}), refs)
    by_case = await handler.resolve(
        ActivityTypeSpec.model_validate({"description": "X", "category": "ticketing"}), refs)
    assert by_id.plain()["category"] == by_case.plain()["category"] == "Ticketing"


async def test_an_unknown_category_is_a_field_problem_listing_candidates(
        session: Session) -> None:
    with pytest.raises(FieldProblem) as raised:
        await handler_of(session).resolve(ActivityTypeSpec.model_validate(
            {"description": "X", "category": "Custmer Service"}), SessionReferences(session))
    assert raised.value.field == "category"
    assert "did you mean 'Customer Service'?" in raised.value.message
    assert "'Ticketing' (id 3)" in raised.value.message


async def test_create_update_delete_round_trip(session: Session) -> None:
    handler = handler_of(session)
    fields = await resolved(session, description="Pro2 Feedback", category="Customer Service")
    created = await handler.create(fields)
    assert created.fields == {"description": "Pro2 Feedback", "category": "Customer Service",
                              "perf_ind": "none", "inactive": False}

    listed = {o.remote_id: o for o in await handler.list()}
    assert listed[created.remote_id].fields == created.fields
    changed = await resolved(session, description="Pro2 Feedback", category={"id": 2},
                             perf_ind="Performance")
    updated = await handler.update(listed[created.remote_id], changed)
    assert updated.remote_id == created.remote_id
    relisted = {o.remote_id: o for o in await handler.list()}
    assert relisted[created.remote_id].fields == {
        "description": "Pro2 Feedback", "category": "Feedback Received",
        "perf_ind": "Performance", "inactive": False}

    await handler.delete(relisted[created.remote_id])
    assert created.remote_id not in {o.remote_id for o in await handler.list()}
    await handler.delete(relisted[created.remote_id])  # already gone: done, not an error


async def test_a_change_since_listing_is_never_overwritten(session: Session) -> None:
    handler = handler_of(session)
    listed = {o.key: o for o in await handler.list()}["Survey Reply"]
    other = handler_of(session).client
    current = await other.get("/ReferenceData/ActivityTypes/14")
    await other.put("/ReferenceData/ActivityTypes/14", {**current, "Inactive": True})

    with pytest.raises(StaleObjectError, match="plan again"):
        await handler.update(listed, await resolved(
            session, description="Survey Reply", category="Feedback Received", inactive=False))
    assert {o.key: o for o in await handler.list()}["Survey Reply"].fields["inactive"] is True


class PutsBetweenReadAndWrite(httpx.AsyncBaseTransport):
    """Someone edits the activity type right after the handler read it."""

    def __init__(self, inner: httpx.AsyncBaseTransport, path: str) -> None:
        self.inner, self.path, self.meddled = inner, path, False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "GET" and request.url.path == self.path and not self.meddled:
            self.meddled = True
            body = json.loads(await response.aread())
            edit = httpx.Request("PUT", request.url, headers=request.headers,
                                 json={**body, "Description": "Renamed by staff"})
            edited = await self.inner.handle_async_request(edit)
            assert edited.status_code == 200
            return httpx.Response(200, json=body, request=request)
        return response


async def test_a_409_on_put_is_a_stale_object_error(transport: httpx.ASGITransport) -> None:
    session = session_on(PutsBetweenReadAndWrite(transport, f"{TYPES}/10"))
    handler = handler_of(session)
    listed = {o.key: o for o in await handler.list()}["Patron Feedback"]
    fields = await resolved(session, description="Patron Feedback", category="Ticketing")

    with pytest.raises(StaleObjectError, match="changed in Tessitura since it was read"):
        await handler.update(listed, fields)
    assert "Renamed by staff" in {o.key for o in await handler.list()}
    await session.aclose()


async def test_a_lost_create_answer_leaves_one_type(transport: httpx.ASGITransport) -> None:
    losing = AnswerLosingTransport(transport, TYPES)
    session = session_on(losing)
    handler = handler_of(session)
    created = await handler.create(
        await resolved(session, description="Lost Answer", category="Ticketing"))
    assert losing.lost == 1
    assert created.fields["description"] == "Lost Answer"
    assert [o.key for o in await handler.list()].count("Lost Answer") == 1
    await session.aclose()


class FailingOnceTransport(httpx.AsyncBaseTransport):
    """Answers the first POST to ``path`` with a 500 without passing it on: nothing created."""

    def __init__(self, inner: httpx.AsyncBaseTransport, path: str) -> None:
        self.inner, self.path, self.failed = inner, path, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == self.path and not self.failed:
            self.failed += 1
            return httpx.Response(500, json=[{"Code": "500", "Description": "busy"}],
                                  request=request)
        return await self.inner.handle_async_request(request)


async def test_a_create_refused_by_a_5xx_is_sent_again(transport: httpx.ASGITransport) -> None:
    """Found by the reliability battery: a 500 that created nothing used to fail the apply."""
    failing = FailingOnceTransport(transport, TYPES)
    session = session_on(failing)
    handler = handler_of(session)
    created = await handler.create(
        await resolved(session, description="Second Try", category="Ticketing"))
    assert failing.failed == 1 and created.fields["description"] == "Second Try"
    assert [o.key for o in await handler.list()].count("Second Try") == 1
    await session.aclose()


async def test_an_invalid_create_still_fails(session: Session) -> None:
    with pytest.raises(ProviderError, match="Description"):
        await handler_of(session).create(ActivityTypeSpec.model_construct(
            description=" ", category=Ref("tessitura.activity_categories", 3, "Ticketing")))


async def test_deleting_a_type_tied_to_an_origin_says_why(session: Session) -> None:
    handler = handler_of(session)
    web = {o.key: o for o in await handler.list()}["Web Inquiry"]
    assert await handler.impact(web) == (
        "tied to Origin 'Website'; Tessitura refuses to delete an activity type in use")
    with pytest.raises(ProviderError, match="in use"):
        await handler.delete(web)


def write_manifest(directory: Path, body: str) -> None:
    (directory / "tessitura.yaml").write_text(body)


async def test_plan_apply_then_nothing_to_do(tmp_path: Path,
                                            transport: httpx.ASGITransport) -> None:
    write_manifest(tmp_path, "activity_types:\n"
                   "  pro2-feedback: {description: Pro2 Feedback, category: customer service}\n"
                   "  survey: {description: Survey Reply, category: {id: 2}, inactive: true}\n")
    state = SqliteState(tmp_path / "state.db")
    session = session_on(transport)
    manifests = load_manifests(tmp_path, session.registry)
    plan = await make_plan(session, manifests, state)
    assert sorted((c.action, c.address) for c in plan.changes) == [
        ("create", "activity_types.pro2-feedback"), ("update", "activity_types.survey")]
    assert plan.estimates["tessitura"]["calls"] == 3
    await apply_plan(session, plan, state, saved=False)
    await session.aclose()

    again = session_on(transport)
    assert (await make_plan(again, manifests, state)).changes == []
    await again.aclose()


async def test_plan_refuses_an_unknown_category_at_its_line(
        tmp_path: Path, transport: httpx.ASGITransport) -> None:
    write_manifest(tmp_path, "activity_types:\n"
                   "  pro2-feedback:\n"
                   "    description: Pro2 Feedback\n"
                   "    category: Box Office\n")
    session = session_on(transport)
    with pytest.raises(ManifestErrors) as raised:
        await make_plan(session, load_manifests(tmp_path, session.registry),
                        SqliteState(tmp_path / "state.db"))
    await session.aclose()
    message = str(raised.value)
    assert "tessitura.yaml:4" in message
    assert "activity_types.pro2-feedback.category: no activity category is described " \
        "'Box Office'" in message
