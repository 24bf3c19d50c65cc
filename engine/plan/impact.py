"""What deleting or replacing an object means for people, per kind.

Two sources, both the kind's own: its handler's ``impact()`` (asked of the live object: "carried
by 1,204 contacts"), and what state holds for objects of that kind, named by
``Kind.state_impact`` (a Data Sync's baseline: "its baseline holds 1,900 constituents"). State is
only consulted for the kinds that declare it, so an object of another kind whose id happens to
equal a Data Sync's never borrows the sync's numbers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from engine.kinds import LiveObject
from engine.live_index import LiveIndex
from engine.plan.model import Plan
from engine.session import Session
from engine.state.base import StateStore
from engine.sync.delta import load_bitmap


def baseline_impact(state: StateStore, remote_id: str) -> str | None:
    """A Data Sync's confirmed members, who stop being synced."""
    baseline = state.sync_baseline(remote_id)
    if baseline is None:
        return None
    count = len(load_bitmap(baseline.members))
    return f"its baseline holds {count:,} constituent{'' if count == 1 else 's'}"


#: What ``Kind.state_impact`` may name: a reader of state about one object of that kind.
STATE_IMPACTS: dict[str, Callable[[StateStore, str], str | None]] = {
    "sync_baseline": baseline_impact,
}


async def add_impact(session: Session, plan: Plan, live: dict[str, list[LiveObject]],
                     state: StateStore) -> None:
    """Fill ``Change.impact`` for every delete and replace, in its kind's words."""
    index = LiveIndex(live)
    for change in plan.changes:
        if not change.destructive or change.remote_id is None:
            continue
        parts: list[str | None] = []
        obj = index.by_id(change.kind, change.remote_id)
        if obj is not None:
            parts.append(await session.handler(change.kind).impact(obj))
        for source in session.registry[change.kind].state_impact:
            # The store in a worker thread: never on the event loop.
            parts.append(await asyncio.to_thread(STATE_IMPACTS[source], state,
                                                 change.remote_id))
        change.impact = "; ".join(p for p in parts if p) or None
