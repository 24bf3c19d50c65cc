"""Contact data through real runs (in-process emulators): every import carries the output
set's values; ``resync`` decides who is re-imported when those values change."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.sync.contact_data import value_text
from engine.sync.run_report import SUCCEEDED

from .emulated import MEMBERS_LIST, EmulatedSync

pytestmark = pytest.mark.anyio

RESULTS = "POST /TessituraService/Reporting/Lists/{listId}/Results"
IMPORTS = "POST /api/3/import/bulk_import"


@pytest.fixture
async def org(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[EmulatedSync]:
    emulated = EmulatedSync(tmp_path / "state.db", contact_data=True, resync=request.param)
    await emulated.start()
    yield emulated
    await emulated.close()


async def _run(org: EmulatedSync):  # noqa: ANN202
    assert org.runner is not None and org.definition is not None
    report = await org.runner.run(org.definition, force=True)
    assert report.status == SUCCEEDED, report.message
    return report


async def _count(org: EmulatedSync, route: str) -> int:
    return int((await org.control("stats"))["requests"].get(route, 0))


async def _expected_values(org: EmulatedSync) -> dict[str, dict[str, str]]:
    """What each tagged address should hold: its lowest listed owner's output-set values."""
    assert org.session is not None
    source = org.session.port("sync.list_source")
    members = await source.members(MEMBERS_LIST)
    values = await org.output_values()
    owner: dict[str, int] = {}
    for row in await source.export(list(members)):
        key = row.address.strip().lower()
        if row.primary and not row.inactive and row.permission == "Y":
            owner[key] = min(owner.get(key, row.constituent_id), row.constituent_id)
    return {address: {"MEMBERSHIP_LEVEL": value_text(values[c]["Membership Level"]) or "",
                      "LAST_ATTENDED": value_text(values[c]["Last Performance Date"]) or ""}
            for address, c in owner.items()}


async def _assert_carried(org: EmulatedSync) -> None:
    expected = await _expected_values(org)
    assert expected and set(expected) == await org.tagged()
    for address, values in expected.items():
        assert await org.field_values(address) == values, address


@pytest.mark.parametrize("org", ["audit"], indirect=True)
async def test_every_import_carries_the_output_sets_values(org: EmulatedSync) -> None:
    report = await _run(org)
    assert report.added > 0 and report.resynced == 0
    assert await _count(org, RESULTS) == 0  # a delta's values ride on the export
    await _assert_carried(org)


@pytest.mark.parametrize("org", ["values"], indirect=True)
async def test_resync_values_reimports_exactly_the_members_whose_values_changed(
        org: EmulatedSync) -> None:
    first = await _run(org)
    size = len(await org.members())
    pages = math.ceil(size / 1000)
    assert await _count(org, RESULTS) == pages
    imports = await _count(org, IMPORTS)
    quiet = await _run(org)  # nothing changed: no Prospect2 call for unchanged members
    assert (quiet.added, quiet.resynced) == (0, 0)
    assert await _count(org, IMPORTS) == imports
    assert await _count(org, RESULTS) == 2 * pages

    before = await _expected_values(org)
    churn = await org.control("churn", {"list_id": MEMBERS_LIST, "change": 15, "seed": 11})
    changed = await _run(org)
    after = await _expected_values(org)
    moved = {a for a in after if after[a] != before.get(a)}
    assert moved and changed.resynced == len(moved) <= len(churn["changed"])
    assert await _count(org, IMPORTS) == imports + 1  # one batch, changed members alone
    await _assert_carried(org)
    assert first.added == len(before)


@pytest.mark.parametrize("org", ["off"], indirect=True)
async def test_resync_off_never_reimports(org: EmulatedSync) -> None:
    await _run(org)
    await org.control("churn", {"list_id": MEMBERS_LIST, "change": 3, "seed": 11})
    imports = await _count(org, IMPORTS)
    report = await _run(org)
    assert report.resynced == 0 and await _count(org, IMPORTS) == imports


@pytest.mark.parametrize("org", ["audit"], indirect=True)
async def test_resync_audit_follows_the_audit_trail_when_tracking_is_on(
        org: EmulatedSync) -> None:
    await _run(org)
    answer = await org.http.post(
        "/TessituraService/Custom/Execute", auth=("callboard:admin:emulator", "emulator"),
        json={"ProcedureName": "LP_CALLBOARD_SET_DEFAULT", "ParameterValues": [
            {"Name": "@field_name", "Value": "P2DSTrackChanges"},
            {"Name": "@value", "Value": "YES"}, {"Name": "@parent_table", "Value": "Prospect2"}]})
    answer.raise_for_status()
    await org.control("clock", {"advance_seconds": 60})  # the change comes after the run
    await org.control("churn", {"list_id": MEMBERS_LIST, "change": 15, "seed": 11})
    await org.control("clock", {"advance_seconds": 60})  # and before the next
    report = await _run(org)
    assert report.resynced > 0
    await _assert_carried(org)


@pytest.mark.parametrize("org", ["values"], indirect=True)
async def test_preview_shows_resyncs_with_their_values_masked_in_json(
        org: EmulatedSync) -> None:
    from engine.render.sync_preview import preview_document, preview_text

    await _run(org)
    await org.control("churn", {"list_id": MEMBERS_LIST, "change": 15, "seed": 11})
    assert org.runner is not None and org.definition is not None
    preview = await org.runner.preview(org.definition)
    resyncs = preview.plan.imports("resync")
    assert resyncs
    expected = await _expected_values(org)
    shown = preview_document(preview, show_values=True)
    assert shown["values_shown"] is True
    assert shown["contact_fields"] == ["MEMBERSHIP_LEVEL", "LAST_ATTENDED"]
    assert shown["resync_values"] == {i.address: expected[i.address] for i in resyncs}
    masked = preview_document(preview)
    assert masked["values_shown"] is False
    assert set(masked["resync_values"]) == set(shown["resync_values"])
    assert {v for values in masked["resync_values"].values() for v in values.values()} <= {
        "***", None}
    text = preview_text(preview).plain
    first = resyncs[0]
    level = expected[first.address]["MEMBERSHIP_LEVEL"]
    assert f"~ {first.address}  MEMBERSHIP_LEVEL={level}, LAST_ATTENDED=" in text
