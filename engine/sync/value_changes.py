"""``resync: values``: which members' carried values changed since they were last sent.

Beyond seed 003 (which re-syncs on audited changes only): each member's carried values hash
to a digest kept in state when a run sends them; a run reads the whole list's output-set
results a page at a time, compares each member's digest with the kept one, and re-imports
those that differ, whatever the audit tables say. A member with no kept digest (never sent
with these fields) counts as changed. Memory stays bounded by a page plus the changed set.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence

from pyroaring import BitMap

from engine.state.base import SyncRuns
from engine.sync.contact_data import CarriedField, DigestColumn, values_digest
from engine.sync.ports import ExportRow, ListSource


async def changed_values(source: ListSource, state: SyncRuns, sync_id: str,
                         list_id: int, output_set_id: int,
                         fields: Sequence[CarriedField]) -> tuple[BitMap, DigestColumn]:
    """Members whose digest differs from the kept one (or who have none), with their new
    digests: ceil(N / page size) Results calls, one state read per page (in a worker
    thread), no other call."""
    columns = [f.column for f in fields]
    changed = BitMap()
    digests = DigestColumn()
    async for page in source.results(list_id, output_set_id, columns):
        kept = await asyncio.to_thread(state.sync_digests, sync_id, [c for c, _ in page])
        for constituent, values in page:
            digest = values_digest(values)
            if kept.get(constituent) != digest:
                changed.add(constituent)
                digests.add(constituent, digest)
    return changed, digests


def sent_digests(rows: Iterable[ExportRow], constituents: BitMap) -> DigestColumn:
    """Digests of the values these constituents' imports carry (their own export rows), so a
    sync switched to ``resync: values`` later re-imports only what changed since."""
    digests = DigestColumn()
    seen = BitMap()
    for row in rows:
        if row.constituent_id in constituents and row.constituent_id not in seen:
            seen.add(row.constituent_id)
            digests.add(row.constituent_id, values_digest(row.values))
    return digests
