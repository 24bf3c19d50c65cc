"""The Tessitura list source a Data Sync run uses: regenerated list members, address export
in 1,000-id calls, the re-sync switch, audited changes and the server's clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from provider_support import FAST_RETRY, TESSITURA_ENV, EmulatorControl

from engine.sync.ports import LIST_SOURCE_PORT
from providers.tessitura.client import TessituraClient
from providers.tessitura.ports import PORTS
from providers.tessitura.sync_source import TessituraListSource

pytestmark = pytest.mark.anyio


def _client(transport: httpx.AsyncBaseTransport) -> TessituraClient:
    env = TESSITURA_ENV
    return TessituraClient(env["TESSITURA_URL"], env["TESSITURA_USER"],
                           env["TESSITURA_USERGROUP"], env["TESSITURA_LOCATION"],
                           env["TESSITURA_PASSWORD"], transport=transport, retry=FAST_RETRY)


@pytest.fixture
async def source(transport: httpx.ASGITransport) -> AsyncIterator[TessituraListSource]:
    client = _client(transport)
    yield PORTS[LIST_SOURCE_PORT](client)
    await client.aclose()


async def _churn(control: EmulatorControl, **body: int) -> dict:
    answer = await control.http.post("/_emulator/churn", json=body)
    answer.raise_for_status()
    return answer.json()


async def test_members_change_only_when_the_list_is_regenerated(
        source: TessituraListSource, control: EmulatorControl) -> None:
    before = await source.members(101)
    assert len(before) > 0
    moved = await _churn(control, list_id=101, add=3, remove=2)
    assert await source.members(101) == before  # T_LIST_CONTENTS as last generated
    await source.regenerate(101)
    after = await source.members(101)
    assert set(after) == (set(before) | set(moved["added"])) - set(moved["removed"])
    assert moved["added"] and moved["removed"]
    assert source.calls == 4
    assert await control.count("POST /TessituraService/Reporting/Lists/{listId}/Generate") == 1


async def test_export_reads_every_email_row_with_what_the_filters_need(
        source: TessituraListSource) -> None:
    members = list(await source.members(105))
    rows = await source.export(members[:60])
    assert {row.constituent_id for row in rows} <= set(members[:60])
    primary = [row for row in rows if row.primary]
    assert primary and all("@" in row.address and row.eaddress_id for row in primary)
    assert any(row.purpose_ids for row in rows)
    assert {row.permission for row in rows} <= {"Y", "N", None}
    assert all(row.first_name and row.last_name for row in rows)
    assert any(not row.primary for row in rows)  # every 50th constituent has a second address


async def test_export_costs_one_call_per_1000_constituents() -> None:
    from providers.emulator_host import build_emulator_app

    transport = httpx.ASGITransport(app=build_emulator_app(seed="demo"))
    client = _client(transport)
    source = TessituraListSource(client)
    members = list(await source.members(105))
    assert len(members) >= 2000
    rows = await source.export(members[:1000])
    assert source.calls == 2  # the contents read, then one export for 1,000 constituents
    everyone = await source.export(members + members[:10])  # duplicates cost nothing
    await client.aclose()
    assert source.calls == 2 + 2
    assert len({row.constituent_id for row in rows}) > 900
    assert {row.constituent_id for row in everyone} >= {row.constituent_id for row in rows}


async def test_track_changes_follows_the_p2ds_default(source: TessituraListSource) -> None:
    assert await source.track_changes() is False  # seeded NO
    await source.client.execute("LP_CALLBOARD_SET_DEFAULT", field_name="P2DSTrackChanges",
                                value="YES", parent_table="Prospect2")
    assert await source.track_changes() is True


async def test_now_is_the_servers_clock_and_bounds_the_audit_window(
        source: TessituraListSource, control: EmulatorControl) -> None:
    await control.http.post("/_emulator/clock", json={"now": "2026-10-01T08:00:00+00:00"})
    start = await source.now()
    assert start == datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    await control.http.post("/_emulator/clock", json={"advance_seconds": 60})
    churned = await _churn(control, list_id=101, change=3)
    await control.http.post("/_emulator/clock", json={"advance_seconds": 60})
    end = await source.now()
    assert end - start == timedelta(minutes=2)
    changes = await source.audit_changes(start, end)
    # customer_no 0's rows come too: the engine drops them (a seed 003 exception)
    assert {c.constituent_id for c in changes} - {0} == set(churned["changed"])
    assert all(start <= c.changed_at < end and c.table and c.column for c in changes)
    assert await source.audit_changes(end, end + timedelta(hours=1)) == []


async def test_members_of_the_large_seeds_million_row_list() -> None:
    from providers.emulator_host import build_emulator_app

    transport = httpx.ASGITransport(app=build_emulator_app(seed="large"))
    client = _client(transport)
    members = await TessituraListSource(client).members(105)
    await client.aclose()
    assert len(members) == 1_000_000
