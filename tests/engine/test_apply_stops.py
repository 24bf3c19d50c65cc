"""What an apply stopped by Ctrl-C says it finished, and that running it again finishes.

``tests/engine/test_interrupts.py`` sends real SIGINTs; here the stop is asked for as the
handler does it (``StopSignal.on_sigint``), without a signal, so the count of what finished,
what an earlier run did and what is left is checked wherever signals are ignored (mutation
testing's workers)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from engine import interrupts
from engine.apply.executor import ApplyResult, apply_plan
from engine.interrupts import Interrupted, StopSignal
from engine.plan.model import Change, Plan
from tests.engine.test_apply_guards import tags_named
from tests.rules.rule_support import Workspace, workspace

pytestmark = pytest.mark.anyio

TAGS = "tags:\n  one: {name: One}\n  two: {name: Two}\n  three: {name: Three}\n"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def apply_until(ws: Workspace, plan: Plan, presses: int,
                      events: list[tuple[str, str, str]] | None = None, *,
                      at: int = 2) -> ApplyResult:
    """Apply ``plan`` one change at a time; Ctrl-C is pressed ``presses`` times (1: stop after
    the request in flight; 2: at once) as change number ``at`` of this run starts."""
    stop = StopSignal(asyncio.get_running_loop(), asyncio.current_task(), lambda _: None)
    token = interrupts._current.set(stop)
    started: list[str] = []

    def listen(change: Change, event: str, detail: str) -> None:
        if events is not None and event != "start":
            events.append((change.address, event, detail))
        if event == "start":
            started.append(change.address)
            if len(started) == at:
                for _ in range(presses):
                    stop.on_sigint(signal.SIGINT, None)

    session = ws.session()
    try:
        return await apply_plan(session, Plan.from_dict(plan.to_dict()), ws.state, saved=True,
                                parallelism=1, listener=listen)
    finally:
        await session.aclose()
        interrupts._current.reset(token)


async def test_a_stopped_apply_says_what_finished_and_the_next_run_finishes(
        tmp_path: Path) -> None:
    """One change at a time: the change in flight when Ctrl-C comes finishes and counts."""
    async with workspace(tmp_path) as ws:
        ws.write(TAGS)
        plan = await ws.plan()
        with pytest.raises(Interrupted) as first:
            await apply_until(ws, plan, 1)
        assert first.value.message() == (
            "Interrupted: 2 of 3 changes applied and recorded in state; 1 still to do. Run the "
            "same command again to finish.")
        assert sorted(ws.state.resources()) == ["tags.one", "tags.three"]

        events: list[tuple[str, str, str]] = []
        last = await apply_until(ws, plan, 0, events)
        assert (last.done, sorted(last.skipped)) == (["tags.two"], ["tags.one", "tags.three"])
        earlier = "already applied by an earlier run of this plan"
        two = ws.state.get("tags.two")
        assert two is not None
        assert events == [("tags.one", "skip", earlier), ("tags.three", "skip", earlier),
                          ("tags.two", "done", f"created (id {two.remote_id})")]
        assert sorted(ws.state.resources()) == ["tags.one", "tags.three", "tags.two"]
        assert ws.state.header().applying_plan is None


async def test_an_apply_stopped_twice_over_says_what_an_earlier_run_did(tmp_path: Path) -> None:
    async with workspace(tmp_path) as ws:
        ws.write(TAGS + "  four: {name: Four}\n  five: {name: Five}\n")
        plan = await ws.plan()
        with pytest.raises(Interrupted):
            await apply_until(ws, plan, 1)
        with pytest.raises(Interrupted) as second:
            await apply_until(ws, plan, 1)
        assert second.value.finished == ("2 of 5 changes applied and recorded in state, 2 done "
                                         "by an earlier run; 1 still to do")


async def test_an_apply_stopped_at_once_finishes_when_run_again(tmp_path: Path) -> None:
    """The second Ctrl-C cancels the run wherever it is, possibly between recording a new
    object in state and journaling its change: the next run takes that object over instead
    of creating it again (Prospect2 refused the duplicate name, so it never finished)."""
    async with workspace(tmp_path) as ws:
        ws.write(TAGS)
        plan = await ws.plan()
        with pytest.raises(Interrupted) as stopped:
            await apply_until(ws, plan, 2)
        assert stopped.value.finished.endswith("still to do")
        await apply_until(ws, plan, 0)
        assert sorted(ws.state.resources()) == ["tags.one", "tags.three", "tags.two"]
        for name in ("One", "Two", "Three"):
            assert len(await tags_named(ws, name)) == 1


async def test_an_apply_of_one_change_stopped_at_once_says_so(tmp_path: Path) -> None:
    async with workspace(tmp_path) as ws:
        ws.write("tags:\n  one: {name: One}\n")
        plan = await ws.plan()
        with pytest.raises(Interrupted) as stopped:
            await apply_until(ws, plan, 2, at=1)
        assert stopped.value.finished == ("0 of 1 change applied and recorded in state; 1 "
                                          "still to do")
        await apply_until(ws, plan, 0)
        assert list(ws.state.resources()) == ["tags.one"] and len(await tags_named(ws, "One")) == 1
