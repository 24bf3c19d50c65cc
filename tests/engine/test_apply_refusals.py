"""What a refused saved plan says: every problem found, each named, and the state it met.

A refusal is the user's only clue to what happened since the plan was made, so its words are
part of the contract: each object that changed and which fields, the other state's lineage,
how the state moved on.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from engine.errors import StalePlan
from engine.state import open_state
from tests.engine.test_apply_guards import apply_saved, edit_tag, manage_zed, tags_named
from tests.rules.rule_support import workspace

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_a_refusal_names_every_object_edited_and_each_field(tmp_path: Path) -> None:
    async with workspace(tmp_path) as ws:
        ws.write("tags:\n  alpha: {name: Alpha, description: one}\n"
                 "  zed: {name: Zed, description: one}\n")
        await ws.plan_and_apply()
        ws.write("tags:\n  alpha: {name: Alpha, description: two}\n"
                 "  zed: {name: Zed, description: two}\n")
        plan = await ws.plan()
        [alpha] = await tags_named(ws, "Alpha")
        (await ws.api("PUT", f"/tags/{alpha['id']}", {"tag": {
            "tag": "Alpha Renamed", "tagType": "contact", "description": "by hand"}})
         ).raise_for_status()
        await edit_tag(ws, "Zed", "by hand")
        [zed] = await tags_named(ws, "Zed")
        with pytest.raises(StalePlan) as refused:
            await apply_saved(ws, plan)
        assert str(refused.value) == (
            f"saved plan refused: tags.alpha (id {alpha['id']}) changed since the plan was made: "
            f"field name, description; tags.zed (id {zed['id']}) changed since the plan was "
            "made: field description. Make a new plan.")


async def test_a_plan_applied_to_a_new_state_names_both_lineages(tmp_path: Path) -> None:
    """CALLBOARD_STATE mistyped: apply opens a new, empty state (nothing changed it yet, so
    there is no last change to name) and refuses the plan made against the real one."""
    async with workspace(tmp_path) as ws:
        await manage_zed(ws)
        ws.write("tags:\n  zed: {name: Zed, description: two}\n")
        plan = await ws.plan()
        typo = open_state(str(tmp_path / "stat.db"))
        try:
            with pytest.raises(StalePlan) as refused:
                await apply_saved(ws, plan, state=typo)
            assert str(refused.value) == (
                f"plan {plan.id} was made against another state (lineage {plan.lineage}, this "
                f"state is {typo.header().lineage}): make a new plan")
            assert typo.resources() == {}
        finally:
            typo.close()


async def test_a_plan_applied_to_a_copy_from_before_any_change_is_refused(
        tmp_path: Path) -> None:
    """A backup taken when the state was new (serial 0, no change to name) is put back after
    the plan was saved: the plan is refused, and nothing is written."""
    async with workspace(tmp_path) as ws:
        backup = tmp_path / "backup.db"
        with sqlite3.connect(tmp_path / "state.db") as source, sqlite3.connect(backup) as copy:
            source.backup(copy)  # sqlite3's .backup
        await manage_zed(ws)
        ws.write("tags:\n  zed: {name: Zed, description: two}\n")
        plan = await ws.plan()
        assert plan.state_serial == 1
        restored = open_state(str(backup))
        try:
            with pytest.raises(StalePlan) as refused:
                await apply_saved(ws, plan, state=restored)
            assert str(refused.value) == (
                "plan is stale: it was made at state serial 1, and the state is now at serial 0 "
                "after a change: make a new plan")
            assert restored.resources() == {}
        finally:
            restored.close()
        [zed] = await tags_named(ws, "Zed")
        assert zed["description"] == "one"
