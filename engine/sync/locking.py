"""One runner per Data Sync at a time, and no lock left behind by a killed run.

Cron fires every five minutes; a long run must not be joined by a second one, but a run
killed with ``kill -9`` cannot release its lock. A holder on this host whose process is gone
is therefore taken over, so the next run finishes the interrupted one unaided.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from engine.errors import StateError
from engine.lock_holders import holder_is_gone
from engine.state.base import StateStore


@contextmanager
def sync_locked(state: StateStore, address: str, holder: str) -> Iterator[None]:
    try:
        state.acquire_sync_lock(address, holder)
    except StateError:
        info = state.sync_lock(address)
        if info is None or not holder_is_gone(info.holder):
            raise
        state.acquire_sync_lock(address, holder, steal_from=info.holder)
    try:
        yield
    finally:
        state.release_sync_lock(address, holder)
