"""Applying a ``moved`` entry: journaled like any change, and finished by a re-run when an apply
fails after the state entry moved (the rename's field update refused, here)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from engine.apply.executor import ApplyFailed, apply_plan
from engine.manifests.loader import load_manifests
from engine.plan.model import Plan
from engine.plan.planner import make_plan
from engine.session import Session
from engine.state.base import ResourceRecord
from engine.state.sqlite import SqliteState
from providers.emulator_host import build_emulator_app
from tests.engine.test_apply_resume import RefusingPrefixTransport, _session
from tests.rules.rule_support import workspace

BEFORE = "tags:\n  vip: {name: Member - Active, description: Members}\n"
AFTER = ("tags:\n  members: {name: Member - Active, description: Current members}\n"
         "moved:\n  - {from: tags.vip, to: tags.members}\n")


async def _saved_move(session: Session, tmp_path: Path, state: SqliteState, after: str) -> Plan:
    """BEFORE applied, then ``after`` written: the saved plan that moves tags.vip."""
    manifests = load_manifests(tmp_path, session.registry)
    await apply_plan(session, await make_plan(session, manifests, state), state, saved=False)
    (tmp_path / "m.yaml").write_text(after)
    changed = load_manifests(tmp_path, session.registry)
    return Plan.from_dict((await make_plan(session, changed, state)).to_dict())


def test_a_moved_update_refused_after_the_move_is_finished_by_a_rerun(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(BEFORE)
    app = build_emulator_app(seed="small")
    state = SqliteState(tmp_path / "state.db")

    async def scenario() -> None:
        first = _session(httpx.ASGITransport(app=app))
        manifests = load_manifests(tmp_path, first.registry)
        await apply_plan(first, await make_plan(first, manifests, state), state, saved=False)
        tag_id = state.get("tags.vip").remote_id
        (tmp_path / "m.yaml").write_text(AFTER)
        changed = load_manifests(tmp_path, first.registry)
        planned = await make_plan(first, changed, state)
        await first.aclose()
        assert [(c.action, c.address, c.moved_from) for c in planned.changes] == [
            ("update", "tags.members", "tags.vip")]
        saved = Plan.from_dict(planned.to_dict())

        broken = _session(RefusingPrefixTransport(httpx.ASGITransport(app=app), "PUT",
                                                  "/api/3/tags/"))
        with pytest.raises(ApplyFailed, match=(
                r"^1 change failed; 0 finished and are recorded in state\. Fix the cause "
                r"and run the same apply again to finish:\n  tags\.members: .*Refused for the "
                "test")):
            await apply_plan(broken, saved, state, saved=True)
        await broken.aclose()
        assert state.get("tags.vip") is None  # the entry moved before the refused write
        assert state.get("tags.members").remote_id == tag_id
        assert state.journal(saved.id) == set()

        fixed = _session(httpx.ASGITransport(app=app))
        result = await apply_plan(fixed, saved, state, saved=True)
        assert result.done == ["tags.members"]
        assert state.get("tags.members").fields["description"] == "Current members"
        assert (await make_plan(fixed, changed, state)).changes == []
        await fixed.aclose()

    asyncio.run(scenario())


def test_a_move_interrupted_between_its_two_state_writes_is_finished(tmp_path: Path) -> None:
    """Both addresses in state with one id: the new entry was written, the old one not yet
    removed. The same plan's re-run removes it and records nothing twice."""
    (tmp_path / "m.yaml").write_text(BEFORE)
    app = build_emulator_app(seed="small")
    state = SqliteState(tmp_path / "state.db")

    async def scenario() -> None:
        session = _session(httpx.ASGITransport(app=app))
        planned = await _saved_move(session, tmp_path, state,
                                    AFTER.replace("Current members", "Members"))
        changed = load_manifests(tmp_path, session.registry)
        assert [(c.action, c.moved_from) for c in planned.changes] == [("move", "tags.vip")]
        old = state.get("tags.vip")
        state.begin_apply(planned.id)  # the interrupted run got this far
        state.put(ResourceRecord("tags.members", "tags", "members", old.remote_id, old.fields))
        await apply_plan(session, planned, state, saved=True)
        assert set(state.resources()) == {"tags.members"}
        assert state.get("tags.members").remote_id == old.remote_id
        assert (await make_plan(session, changed, state)).changes == []
        await session.aclose()

    asyncio.run(scenario())


def test_a_move_whose_entries_changed_meanwhile_asks_for_a_new_plan(
        tmp_path: Path) -> None:
    """The interrupted run had not moved the entry yet, and someone ran ``state rm`` on it
    before the re-run: neither address is in state, so there is nothing to move."""
    (tmp_path / "m.yaml").write_text(BEFORE)
    app = build_emulator_app(seed="small")
    state = SqliteState(tmp_path / "state.db")

    async def scenario() -> None:
        session = _session(httpx.ASGITransport(app=app))
        planned = await _saved_move(session, tmp_path, state, AFTER)
        state.begin_apply(planned.id)
        old = state.get("tags.vip")
        state.remove("tags.vip")
        with pytest.raises(ApplyFailed, match="tags.members: tags.vip is no longer in state; "
                                              "plan again"):
            await apply_plan(session, planned, state, saved=True)
        assert state.resources() == {}

        # or both are there, for two objects (an import onto the new address meanwhile)
        state.put(old)
        state.put(ResourceRecord("tags.members", "tags", "members", "999", {}))
        with pytest.raises(ApplyFailed, match=r"tags.members: state manages both tags.vip and "
                                              r"tags.members \(another object\); plan again"):
            await apply_plan(session, planned, state, saved=True)
        assert sorted(state.resources()) == ["tags.members", "tags.vip"]
        await session.aclose()

    asyncio.run(scenario())


def test_a_moved_entry_keeps_what_state_knew_of_its_object(tmp_path: Path) -> None:
    """A ``moved`` entry hands the old address's state over whole: afterwards a refresh-only
    plan finds nothing changed outside Callboard, and dropping the declaration still needs
    --force, as its lifecycle.prevent_destroy asks."""
    kept = "{name: Member - Active, description: Members, lifecycle: {prevent_destroy: true}}"

    async def scenario() -> None:
        async with workspace(tmp_path) as ws:
            ws.write(f"tags:\n  vip: {kept}\n")
            await ws.plan_and_apply()
            before = ws.state.get("tags.vip")
            ws.write(f"tags:\n  members: {kept}\n"
                     "moved:\n  - {from: tags.vip, to: tags.members}\n")
            plan = await ws.plan()
            assert [(c.action, c.address) for c in plan.changes] == [("move", "tags.members")]
            await ws.apply(plan, force=False)
            moved = ws.state.get("tags.members")
            assert moved is not None and before is not None
            assert (moved.remote_id, moved.fields, moved.prevent_destroy) == (
                before.remote_id, before.fields, True)
            assert (await ws.plan(refresh_only=True)).changes == []
            ws.write("tags: {}\n")
            assert (await ws.plan()).safety_problems() == [
                "tags.members has lifecycle.prevent_destroy and would be deleted"]

    asyncio.run(scenario())
