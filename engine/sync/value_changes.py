"""``resync: values``: which members' carried values changed since they were last sent.

Beyond seed 003 (which re-syncs on audited changes only): each member's carried values hash
to a digest kept in state when a run sends them; a run reads the whole list's output-set
results a page at a time, compares each member's digest with the kept one, and re-imports
those that differ, whatever the audit tables say. A member with no kept digest (never sent
with these fields) counts as changed. The new digests wait in the run's plan
(``sync_plan_digest``) until the run is done, so memory stays bounded by a page, whatever the
list's size.
"""

from __future__ import annotations

from pyroaring import BitMap

from engine.state.base import SyncPlans, SyncRuns
from engine.sync.contact_data import values_digest
from engine.sync.definition import SyncDefinition
from engine.sync.ports import ListSource
from engine.sync.state_thread import in_state_thread


async def changed_values(source: ListSource, state: SyncRuns, store: SyncPlans,
                         definition: SyncDefinition, output_set_id: int,
                         run_id: str) -> BitMap:
    """Members whose digest differs from the kept one (or who have none), their new digests
    staged in ``store`` for run ``run_id``: ceil(N / page size) Results calls, one state read
    and one staging write per page (on the state thread), no other call."""
    columns = [f.column for f in definition.contact_fields]
    changed = BitMap()
    async for page in source.results(definition.list_id, output_set_id, columns):
        kept = await in_state_thread(state.sync_digests, definition.sync_id,
                                     [c for c, _ in page])
        staged: list[tuple[int, int]] = []
        for constituent, values in page:
            digest = values_digest(values)
            if kept.get(constituent) != digest:
                changed.add(constituent)
                staged.append((constituent, digest))
        if staged:
            await in_state_thread(store.extend_sync_plan, definition.sync_id, run_id, [], (),
                                  staged)
    return changed
