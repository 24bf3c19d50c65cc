"""Ctrl-C as users of a tool that writes to two services expect it (spec §3: exit 130).

The first Ctrl-C during a stretch of writes (apply, a sync run, a writeback run) asks the run to
stop at its next safe point: the request in flight finishes and is recorded, nothing new
starts, and the run says what finished. The second stops at once: the main task is cancelled
at its next ``await``, so no state write is cut in half and what state holds stays consistent,
as after a crash the journals already recover from. A third is Python's own KeyboardInterrupt.
Outside a stretch of writes (planning, the confirmation prompt, reads) the first Ctrl-C is
that KeyboardInterrupt at once, as always: nothing is being written.

The runtime installs the handler once, around every command's async work
(``Runtime.run`` -> ``stoppable``); the parts that write mark their stretch with ``writing()``
and call ``stop_requested()`` between requests. Work run without the runtime (tests, library
use) has no handler, and ``stop_requested()`` is simply false.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, TypeVar

_T = TypeVar("_T")

EXIT_CODE = 130
SOFT_NOTICE = "Stopping after the request in flight (press Ctrl-C again to stop at once)…"
HARD_NOTICE = "Stopping at once; what finished is recorded in state…"
AGAIN = "Run the same command again to finish."


class Interrupted(BaseException):
    """The run stopped on Ctrl-C; ``finished`` says what it completed.

    A BaseException, as KeyboardInterrupt is, so no ``except Exception`` on the way mistakes a
    stop the user asked for for a failure of the run."""

    exit_code = EXIT_CODE

    def __init__(self, finished: str = "") -> None:
        self.finished = finished
        super().__init__(finished)

    def message(self) -> str:
        done = f": {self.finished}" if self.finished else ""
        return f"Interrupted{done}. {AGAIN}"


@dataclass
class StopSignal:
    """One command's Ctrl-C state, shared by every task of its event loop."""

    loop: asyncio.AbstractEventLoop
    task: asyncio.Task[object]
    notice: Callable[[str], None]
    writing: int = 0
    requested: bool = False
    hard: bool = False
    #: Set with ``requested``, for reads that can be dropped at once (``read_unless_stopped``).
    stopped: asyncio.Event = field(default_factory=asyncio.Event)

    def on_sigint(self, signum: int, frame: FrameType | None) -> None:
        """The signal handler (main thread, between bytecodes: it only sets flags and asks
        the loop to act)."""
        if not self.writing or self.hard:
            raise KeyboardInterrupt
        if self.requested:
            self.hard = True
            self.loop.call_soon_threadsafe(self.notice, HARD_NOTICE)
            self.loop.call_soon_threadsafe(self.task.cancel)
            return
        self.requested = True
        self.loop.call_soon_threadsafe(self.notice, SOFT_NOTICE)
        self.loop.call_soon_threadsafe(self.stopped.set)


_current: ContextVar[StopSignal | None] = ContextVar("callboard_stop_signal", default=None)


async def stoppable(work: Awaitable[_T], notice: Callable[[str], None]) -> _T:
    """Run ``work`` with Ctrl-C handled as above (the main thread only: signals go there)."""
    task = asyncio.current_task()
    if (task is None or threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) == signal.SIG_IGN):  # e.g. started with nohup
        return await work
    stop = StopSignal(asyncio.get_running_loop(), task, notice)
    token = _current.set(stop)
    previous = signal.signal(signal.SIGINT, stop.on_sigint) or signal.default_int_handler
    try:
        return await work
    except asyncio.CancelledError:
        if stop.hard:
            raise Interrupted() from None
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
        _current.reset(token)


@contextmanager
def writing() -> Iterator[None]:
    """A stretch of writes: within it, Ctrl-C asks for a stop at the next safe point."""
    stop = _current.get()
    if stop is None:
        yield
        return
    stop.writing += 1
    try:
        yield
    finally:
        stop.writing -= 1


async def read_unless_stopped(work: Coroutine[Any, Any, _T], finished: str) -> _T:
    """Reads inside a stretch of writes, before the writes they prepare: nothing is being
    written while they run, so the first Ctrl-C drops them at once (rather than after minutes
    of lookups) and stops the run with ``Interrupted(finished)``."""
    stop = _current.get()
    if stop is None:
        return await work
    if stop.requested:
        work.close()
        raise Interrupted(finished)
    reading = asyncio.ensure_future(work)
    waiting = asyncio.ensure_future(stop.stopped.wait())
    try:
        await asyncio.wait({reading, waiting}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
        if not reading.done():
            reading.cancel()
            await asyncio.gather(reading, return_exceptions=True)
    if reading.cancelled():
        raise Interrupted(finished)
    return reading.result()


def stop_requested() -> bool:
    """True once Ctrl-C asked the run to stop: start nothing new."""
    stop = _current.get()
    return stop is not None and stop.requested


def stopped_at_once() -> bool:
    """True when a second Ctrl-C cancelled the run (a CancelledError is the user's stop)."""
    stop = _current.get()
    return stop is not None and stop.hard
