"""A saved plan replacing a custom field re-writes the Data Sync filling it (a follower). When
an apply of it stopped after the replace deleted the old field, running the same plan again
finishes it: the sync no longer matches the plan (its field went with the replace), and that is
the plan's own doing, not someone's edit. In process: ``tests/workflows/
test_qa_replaced_field_followers.py`` stops the same apply with Ctrl-C in a subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.apply.executor import ApplyFailed
from engine.errors import StalePlan
from engine.plan.model import Plan
from tests.engine.test_apply_guards import apply_saved
from tests.engine.test_apply_resume import RefusingPrefixTransport
from tests.rules.rule_support import Workspace, workspace

pytestmark = pytest.mark.anyio

MANIFEST = """tags:
  members-active: {name: Member - Active}
custom_fields:
  last-attended: {title: Last Attended, type: %s, perstag: LAST_ATTENDED}
data_syncs:
  members:
    list: Members - Current
    tag: members-active
    contact_data:
      fields:
        last-attended: Last Performance Date
    schedule: {daily: "02:00"}
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def carried(ws: Workspace) -> tuple[str, list[str]]:
    """The live field Last Attended's id, and the field ids the members sync carries."""
    fields = (await ws.api("GET", "/fields?limit=100")).json()["fields"]
    syncs = (await ws.api("GET", "/tessitura/dataSyncs")).json()["dataSyncs"]
    field_id = next(f["id"] for f in fields if f["title"] == "Last Attended")
    [members] = syncs
    return field_id, sorted(f["fieldId"] for f in members["fields"])


async def replace_planned(ws: Workspace) -> Plan:
    """The sync applied with its field a date; then the saved plan making it a datetime."""
    ws.write(MANIFEST % "date")
    await ws.plan_and_apply()
    ws.write(MANIFEST % "datetime")
    return await ws.plan()


async def test_a_sync_rewrite_that_failed_after_its_replace_is_finished_by_the_same_plan(
        tmp_path: Path) -> None:
    """The replace finished and is journaled; the sync's re-write was refused. The sync still
    names the deleted field, so it no longer matches the plan: the replace's doing."""
    async with workspace(tmp_path, seed="demo") as ws:
        plan = await replace_planned(ws)
        assert [(c.action, c.address, c.follows) for c in plan.changes] == [
            ("replace", "custom_fields.last-attended", []),
            ("update", "data_syncs.members", ["custom_fields.last-attended"])]

        working = ws.transport
        ws.transport = RefusingPrefixTransport(working, "PUT", "/api/3/tessitura/dataSyncs/")
        with pytest.raises(ApplyFailed) as failed:
            await apply_saved(ws, plan)
        assert str(failed.value).startswith(
            "1 change failed; 1 finished and is recorded in state. Fix the cause and run the "
            "same apply again to finish:\n  data_syncs.members: ")
        field_id, ids = await carried(ws)
        assert field_id not in ids  # the sync still names the deleted field

        ws.transport = working
        result = await apply_saved(ws, plan)
        assert (result.done, result.skipped) == (["data_syncs.members"],
                                                 ["custom_fields.last-attended"])
        field_id, ids = await carried(ws)
        assert field_id in ids
        assert [c.address for c in (await ws.plan()).changes] == []


async def test_a_replace_that_failed_after_its_delete_is_finished_by_the_same_plan(
        tmp_path: Path) -> None:
    """The old field was deleted, the new one refused: the sync lost the field with it, as the
    plan's own replace did that, running the same plan again finishes (it was refused as
    stale, "field contact_data" changed since the plan was made)."""
    async with workspace(tmp_path, seed="demo") as ws:
        plan = await replace_planned(ws)
        working = ws.transport
        ws.transport = RefusingPrefixTransport(working, "POST", "/api/3/fields")
        with pytest.raises(ApplyFailed, match=r"^1 change failed and 1 change was not started; "
                                              "0 finished and are recorded in state"):
            await apply_saved(ws, plan)
        fields = (await ws.api("GET", "/fields?limit=100")).json()["fields"]
        assert "Last Attended" not in [f["title"] for f in fields]

        ws.transport = working
        result = await apply_saved(ws, plan)
        assert result.done == ["custom_fields.last-attended", "data_syncs.members"]
        field_id, ids = await carried(ws)
        assert field_id in ids
        assert [c.address for c in (await ws.plan()).changes] == []


async def test_a_sync_edited_by_hand_before_its_replace_began_is_refused(
        tmp_path: Path) -> None:
    """Only a follower whose replaces ran is excused: the old field could not be deleted, so
    the sync's own change since the plan is someone's edit, and the same plan is refused."""
    async with workspace(tmp_path, seed="demo") as ws:
        plan = await replace_planned(ws)
        working = ws.transport
        ws.transport = RefusingPrefixTransport(working, "DELETE", "/api/3/fields/")
        with pytest.raises(ApplyFailed, match=r"^1 change failed and 1 change was not started"):
            await apply_saved(ws, plan)
        ws.transport = working
        [sync] = (await ws.api("GET", "/tessitura/dataSyncs")).json()["dataSyncs"]
        (await ws.api("PUT", f"/tessitura/dataSyncs/{sync['id']}", {"dataSync": {
            "description": "edited by hand"}})).raise_for_status()
        with pytest.raises(StalePlan) as refused:
            await apply_saved(ws, plan)
        assert str(refused.value) == (
            f"saved plan refused: data_syncs.members (id {sync['id']}) changed since the plan "
            "was made: field description. Make a new plan.")
        [sync] = (await ws.api("GET", "/tessitura/dataSyncs")).json()["dataSyncs"]
        assert sync["description"] == "edited by hand"
