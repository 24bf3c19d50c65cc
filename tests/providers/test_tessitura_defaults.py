"""The ``tessitura_defaults`` kind: T_DEFAULTS rows read over REST, written by the pack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from provider_support import TESSITURA_ENV, EmulatorControl

from engine.apply.executor import apply_plan
from engine.errors import ManifestErrors, StaleObjectError
from engine.manifests.loader import load_manifests
from engine.plan.planner import make_plan
from engine.providers import KindRegistry, ProviderContext
from engine.session import Session
from engine.state.sqlite import SqliteState
from providers.tessitura.kinds.tessitura_defaults import (
    TessituraDefaultsHandler,
    TessituraDefaultsKind,
    TessituraDefaultSpec,
)
from providers.tessitura.provider import TessituraProvider

pytestmark = pytest.mark.anyio


def session_on(transport: httpx.AsyncBaseTransport) -> Session:
    return Session([TessituraProvider], ProviderContext(env=TESSITURA_ENV, transport=transport))


@pytest.fixture
async def session(transport: httpx.ASGITransport) -> AsyncIterator[Session]:
    opened = session_on(transport)
    yield opened
    await opened.aclose()


def handler_of(session: Session) -> TessituraDefaultsHandler:
    handler = session.handler("tessitura_defaults")
    assert isinstance(handler, TessituraDefaultsHandler)
    return handler


async def live_by_name(session: Session) -> dict[str, dict]:
    return {o.key: o.fields for o in await handler_of(session).list()}


def test_the_name_is_the_field_name() -> None:
    kind = TessituraDefaultsKind()
    fields = kind.desired("P2DSTrackChanges", TessituraDefaultSpec(value="YES"))
    assert fields.plain() == {"field_name": "P2DSTrackChanges", "value": "YES",
                      "parent_table": "Prospect2"}
    assert kind.key(fields) == "P2DSTrackChanges"
    assert kind.name_pattern is not None
    assert kind.name_pattern.match("P2DSTrackChanges")
    assert not kind.name_pattern.match("2-bad name")


async def test_list_reads_every_row_in_one_get(session: Session,
                                              control: EmulatorControl) -> None:
    before = await control.count("GET /TessituraService/ReferenceData/SystemDefaults")
    live = await live_by_name(session)
    assert live["P2DSTrackChanges"] == {"field_name": "P2DSTrackChanges", "value": "NO",
                                        "parent_table": "Prospect2"}
    assert live["ORGANIZATION_NAME"]["parent_table"] == "Global"
    assert await control.count("GET /TessituraService/ReferenceData/SystemDefaults") \
        == before + 1


async def test_update_and_create_go_through_the_procedure(
        session: Session, control: EmulatorControl) -> None:
    handler = handler_of(session)
    live = {o.key: o for o in await handler.list()}
    updated = await handler.update(live["P2DSTrackChanges"], TessituraDefaultSpec(
        field_name="P2DSTrackChanges", value="YES", parent_table="Prospect2"))
    assert updated.remote_id == live["P2DSTrackChanges"].remote_id
    created = await handler.create(TessituraDefaultSpec(field_name="P2NewSetting", value="7",
                                                        parent_table="Prospect2"))
    again = await handler.create(TessituraDefaultSpec(field_name="P2NewSetting", value="7",
                                                      parent_table="Prospect2"))
    assert again.remote_id == created.remote_id  # an upsert: a retried create adds nothing

    after = await live_by_name(session)
    assert after["P2DSTrackChanges"]["value"] == "YES"
    assert after["P2NewSetting"] == {"field_name": "P2NewSetting", "value": "7",
                                     "parent_table": "Prospect2"}
    assert await control.count("POST /TessituraService/Custom/Execute") == 3
    rows = await session.reference("tessitura.defaults")
    assert {r.description: r.data["value"] for r in rows}["P2DSTrackChanges"] == "YES"


async def test_a_value_changed_since_listing_is_not_overwritten(session: Session) -> None:
    handler = handler_of(session)
    live = {o.key: o for o in await handler.list()}["P2DSTrackChanges"]
    await handler.client.execute("LP_CALLBOARD_SET_DEFAULT", field_name="P2DSTrackChanges",
                                 value="MAYBE", parent_table="Prospect2")
    with pytest.raises(StaleObjectError, match="'NO' is now 'MAYBE'"):
        await handler.update(live, TessituraDefaultSpec(
            field_name="P2DSTrackChanges", value="YES", parent_table="Prospect2"))
    assert (await live_by_name(session))["P2DSTrackChanges"]["value"] == "MAYBE"


async def test_delete_leaves_the_row(session: Session, control: EmulatorControl) -> None:
    handler = handler_of(session)
    live = {o.key: o for o in await handler.list()}["P2DSTrackChanges"]
    writes = await control.count("POST /TessituraService/Custom/Execute")
    await handler.delete(live)
    assert (await live_by_name(session))["P2DSTrackChanges"]["value"] == "NO"
    assert await control.count("POST /TessituraService/Custom/Execute") == writes
    assert handler.estimated_calls("delete") == 0


async def test_plan_apply_adopts_updates_and_then_rests(
        tmp_path: Path, transport: httpx.ASGITransport) -> None:
    (tmp_path / "defaults.yaml").write_text(
        "tessitura_defaults:\n  P2DSTrackChanges: {value: \"YES\"}\n")
    state = SqliteState(tmp_path / "state.db")
    session = session_on(transport)
    manifests = load_manifests(tmp_path, session.registry)
    plan = await make_plan(session, manifests, state)
    assert [(c.action, c.address, [d.field for d in c.diffs]) for c in plan.changes] == [
        ("update", "tessitura_defaults.P2DSTrackChanges", ["value"])]
    await apply_plan(session, plan, state, saved=False)
    await session.aclose()

    again = session_on(transport)
    assert (await make_plan(again, manifests, state)).changes == []
    await again.aclose()

    (tmp_path / "defaults.yaml").write_text("tessitura_defaults: {}\n")
    forget = session_on(transport)
    removal = await make_plan(forget, load_manifests(tmp_path, forget.registry), state)
    await forget.aclose()
    assert [(c.action, c.notes) for c in removal.changes] == [
        ("delete", ["T_DEFAULTS rows stay as they are; Callboard only stops managing this one"])]


async def test_a_name_in_another_case_takes_tessituras_spelling(
        tmp_path: Path, transport: httpx.ASGITransport) -> None:
    (tmp_path / "defaults.yaml").write_text(
        "tessitura_defaults:\n  p2dstrackchanges: {value: \"NO\", parent_table: prospect2}\n")
    session = session_on(transport)
    plan = await make_plan(session, load_manifests(tmp_path, session.registry),
                           SqliteState(tmp_path / "state.db"))
    await session.aclose()
    assert [c.action for c in plan.changes] == ["adopt"]
    assert any("P2DSTrackChanges" in w.message for w in plan.warnings)


def test_a_bad_name_is_refused_at_load(tmp_path: Path) -> None:
    (tmp_path / "defaults.yaml").write_text(
        "tessitura_defaults:\n  not a field: {value: \"NO\"}\n")
    with pytest.raises(ManifestErrors, match="defaults.yaml:2"):
        load_manifests(tmp_path, KindRegistry([TessituraProvider]))
