"""Who runs at once: one runner per Data Sync, never a sync run beside an apply that changes
that sync, and no command failing for a writeback run that holds the state for a moment.

Both meet on the per-sync locks. A sync run takes its sync's lock only while no apply holds
the state lock (it waits, bounded, saying so, then is skipped); an apply, holding the state lock
from the start, takes the lock of every sync its plan changes before changing anything (it
waits, bounded, for a run in progress, then refuses having changed nothing). A sync run that
took its lock re-checks the state lock and steps back if an apply came first, so the two never
hold the same sync at once. A lock whose holder ended (``kill -9``) is taken over by the store.

A writeback run holds the state lock too (its ledgers), for seconds, every few minutes from
cron: whoever meets it (an apply on merge) waits for it, bounded, rather than fail for nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from functools import partial

from engine.errors import CallboardError, StateError
from engine.state.base import LockInfo, StateLocks, sync_lock

LOCK_WAIT_ENV = "CALLBOARD_LOCK_WAIT"
#: Seconds a sync run waits for an apply, and an apply for a sync run, before giving up.
DEFAULT_LOCK_WAIT = 60.0
POLL_SECONDS = 0.2
#: State lock holders a sync run does not wait for: they change no resource.
NOT_WAITED_FOR = frozenset({"writeback run"})


class SyncSkipped(CallboardError):
    """A sync run skipped because an apply still held the state after the wait."""


class SyncBusy(SyncSkipped):
    """A sync of ``--due``/``--all`` skipped because another run of it holds its lock (a long
    run an earlier cron tick started): one sync in progress must not stop the others."""


def lock_wait(env: Mapping[str, str]) -> float:
    text = env.get(LOCK_WAIT_ENV, "").strip()
    try:
        seconds = float(text) if text else DEFAULT_LOCK_WAIT
    except ValueError:
        seconds = -1.0
    if seconds < 0:
        raise CallboardError(f"{LOCK_WAIT_ENV}={text!r} is not a number of seconds")
    return seconds


@contextmanager
def sync_locked(state: StateLocks, address: str, holder: str) -> Iterator[None]:
    """One sync's lock, without regard to applies (the store takes over an ended holder)."""
    state.acquire_lock(holder, "sync run", sync_lock(address))
    try:
        yield
    finally:
        state.release_lock(holder, sync_lock(address))


def _apply_running(state: StateLocks) -> LockInfo | None:
    info = state.live_lock()
    return info if info is not None and info.command not in NOT_WAITED_FOR else None


def _try_run(state: StateLocks, address: str, holder: str) -> LockInfo | None:
    """Take the sync's lock unless an apply holds the state; the apply's lock if one does.
    Another run of the same sync is an error at once (StateError), as it always was."""
    blocker = _apply_running(state)
    if blocker is None:
        state.acquire_lock(holder, "sync run", sync_lock(address))
        blocker = _apply_running(state)
        if blocker is not None:  # an apply came first after all: let it have the sync
            state.release_lock(holder, sync_lock(address))
    return blocker


def _try_hold(state: StateLocks, address: str, holder: str, command: str) -> LockInfo | None:
    """Take a sync's lock for ``command`` (an apply), naming it as the holder's command; the
    running sync's lock if it is held."""
    try:
        state.acquire_lock(holder, command, sync_lock(address))
    except StateError:
        held = state.lock_info(sync_lock(address))
        return held or LockInfo("another run", "sync run", "just now")
    return None


async def _wait(attempt: Callable[[], LockInfo | None], deadline: float,
                on_wait: Callable[[LockInfo], None]) -> LockInfo | None:
    """Try until ``attempt`` succeeds (None) or ``deadline`` passes; the last blocker if not."""
    blocker = await asyncio.to_thread(attempt)
    if blocker is not None:
        on_wait(blocker)
    while blocker is not None and time.monotonic() < deadline:
        await asyncio.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
        blocker = await asyncio.to_thread(attempt)
    return blocker


@contextmanager
def state_locked(state: StateLocks, holder: str, command: str, *, wait: float,
                 say: Callable[[str], None]) -> Iterator[None]:
    """The state lock for ``command``, waiting up to ``wait`` seconds while a writeback run
    holds it (said once); any other holder, or one still there after the wait, is refused at
    once, naming it (StateError), as before."""
    deadline, waiting = time.monotonic() + wait, False
    while True:
        try:
            state.acquire_lock(holder, command)
            break
        except StateError:
            info, late = state.lock_info(), time.monotonic() >= deadline
            if info is None and not late:
                continue  # released as we looked: take it now
            if info is None or info.command not in NOT_WAITED_FOR or late:
                raise
            if not waiting:
                say(f"Waiting up to {wait:g}s for a {info.command} to finish "
                    f"({info.describe()}).")
                waiting = True
            time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
    try:
        yield
    finally:
        state.release_lock(holder)


@asynccontextmanager
async def sync_slot(state: StateLocks, address: str, holder: str, *, wait: float,
                    say: Callable[[str], None], busy_skips: bool = False
                    ) -> AsyncIterator[None]:
    """Hold ``address``'s lock for a run, once no apply holds the state (SyncSkipped if one
    still does after ``wait`` seconds). Another run of the sync is a StateError, or with
    ``busy_skips`` (``--due``, ``--all``) SyncBusy, so the other syncs still run."""
    def waiting(info: LockInfo) -> None:
        say(f"{address}: waiting up to {wait:g}s: {info.command} holds the state "
            f"({info.describe()})")

    try:
        blocker = await _wait(partial(_try_run, state, address, holder),
                              time.monotonic() + wait, waiting)
    except StateError:
        held = await asyncio.to_thread(state.lock_info, sync_lock(address))
        if not busy_skips or held is None:
            raise
        raise SyncBusy(f"{address}: skipped: it is already running (lock {held.describe()}); "
                       "the next run syncs what changes meanwhile") from None
    if blocker is not None:
        raise SyncSkipped(f"{address}: skipped: {blocker.command} still holds the state after "
                          f"{wait:g}s ({blocker.describe()}); the next run syncs it")
    try:
        yield
    finally:
        await asyncio.to_thread(state.release_lock, holder, sync_lock(address))


@asynccontextmanager
async def syncs_held(state: StateLocks, addresses: Iterable[str], holder: str, *, command: str,
                     wait: float, say: Callable[[str], None]) -> AsyncIterator[None]:
    """Hold the locks of the syncs ``command`` (an apply) changes, waiting for runs in
    progress; refuses (StateError, nothing changed) if one still runs after ``wait`` seconds.
    The locks name ``command``, so whoever meets them is told what holds the sync."""
    held: list[str] = []
    deadline = time.monotonic() + wait
    try:
        for address in sorted(addresses):
            def waiting(info: LockInfo, address: str = address) -> None:
                say(f"Waiting up to {wait:g}s for the sync run of {address} to finish before "
                    f"applying ({info.describe()}).")

            blocker = await _wait(partial(_try_hold, state, address, holder, command),
                                  deadline, waiting)
            if blocker is not None:
                raise StateError(f"{address} is still running a sync after {wait:g}s "
                                 f"({blocker.describe()}); nothing was applied. Apply again "
                                 "when that run has finished.")
            held.append(address)
        yield
    finally:
        for address in held:
            await asyncio.to_thread(state.release_lock, holder, sync_lock(address))
