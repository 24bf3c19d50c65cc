"""The sync engine's state calls run one at a time on one named thread of the event loop (one
heap for SQLite's pages: see ``engine/sync/state_thread.py``), in the caller's context."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

from engine.sync.state_thread import in_state_thread

_CALLER: contextvars.ContextVar[str] = contextvars.ContextVar("caller", default="nobody")


def _call(log: list[tuple[str, float, float]], seconds: float) -> str:
    started = time.monotonic()
    time.sleep(seconds)
    log.append((threading.current_thread().name, started, time.monotonic()))
    return _CALLER.get()


def test_state_calls_take_turns_on_one_state_thread_of_the_loop_in_the_callers_context(
        ) -> None:
    log: list[tuple[str, float, float]] = []

    async def run() -> list[str]:
        _CALLER.set("the run")
        first = await asyncio.gather(*(in_state_thread(_call, log, 0.02) for _ in range(4)))
        return [*first, await in_state_thread(_call, log, 0)]

    assert asyncio.run(run()) == ["the run"] * 5
    names = {name for name, _, _ in log}
    assert len(names) == 1 and next(iter(names)).startswith("callboard-state")
    spans = sorted((start, end) for _, start, end in log)
    ends, starts = [end for _, end in spans[:-1]], [start for start, _ in spans[1:]]
    assert all(end <= start for end, start in zip(ends, starts, strict=True))
