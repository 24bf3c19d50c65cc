"""Freezing a run plan's parts as the export streams in, one export chunk at a time.

Export chunks are asked for a few ahead (the list source's in-flight bound sets the pace);
each chunk's import batches are frozen, with a ``chunk`` note, in one transaction, and the
sender is told, so Prospect2 imports start while Tessitura is still exporting. Items short
of a full batch ride in the note into the next chunk's first batch, so batches stay full.
Once every chunk is frozen, the removals and the purpose updates follow, then ``end``.

Only a few chunks of rows and one batch of parts are ever in memory; what the plan must
remember across chunks (which addresses it imports) is asked of the store.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from engine.state.base import SyncPlanPart, SyncPlans, SyncRuns
from engine.sync.filters import taggable_addresses
from engine.sync.ports import ExportRow, ListSource
from engine.sync.purposes import MAX_PURPOSE_BATCH
from engine.sync.run_plan import (
    CHUNK,
    END,
    IMPORT,
    PURPOSE,
    REMOVE,
    SyncRunPlan,
    batch_payload,
    carried_items,
    chunk_note,
    end_note,
    full_batches,
    plan_chunk,
    purpose_payload,
    removal_items,
)
from engine.sync.state_thread import in_state_thread

log = logging.getLogger(__name__)

#: Export chunks asked for ahead of the one being planned (the Tessitura client's bound).
EXPORTS_AHEAD = 4
#: Parts of the plan's end frozen per transaction (a million purpose updates never at once).
END_PARTS_PER_WRITE = 50


class PlanBuilder:
    """Freezes the rest of ``plan``'s parts into ``store`` (the state; a scratch store for a
    preview); ``on_part`` is called after each write, so a sender can go on."""

    def __init__(self, source: ListSource, state: SyncRuns, store: SyncPlans,
                 plan: SyncRunPlan, on_part: Callable[[], None] = lambda: None) -> None:
        self.source, self.state, self.store, self.plan = source, state, store, plan
        self.on_part = on_part
        self._next_part = 0

    async def build(self) -> None:
        """From where the frozen plan stopped (nothing, for a new one) to its ``end``."""
        plan = self.plan
        if await self._db(self.store.sync_plan_last, plan.sync_id, plan.run_id, END):
            return
        last_chunk = await self._db(self.store.sync_plan_last, plan.sync_id, plan.run_id, CHUNK)
        if last_chunk is not None:  # the end's parts a killed run froze were never sent
            await self._db(self.store.drop_sync_plan_parts, plan.sync_id, plan.run_id,
                           last_chunk.part_no)
            self._next_part = last_chunk.part_no + 1
        start, carry = carried_items(last_chunk)
        await self._chunks(start, carry)
        await self._end()

    async def _chunks(self, start: int, carry: list[Any]) -> None:
        plan = self.plan
        numbers = iter(range(start, plan.chunk_count))
        pending: deque[asyncio.Task[tuple[int, list[ExportRow]]]] = deque()

        def ask_next() -> None:
            number = next(numbers, None)
            if number is not None:
                pending.append(asyncio.create_task(self._export(number)))

        for _ in range(EXPORTS_AHEAD):
            ask_next()
        try:
            while pending:
                number, rows = await pending.popleft()
                ask_next()
                carry = await self._freeze_chunk(number, rows, carry)
        finally:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _export(self, number: int) -> tuple[int, list[ExportRow]]:
        plan = self.plan
        columns = [f.column for f in plan.fields]
        return number, await self.source.export(plan.chunk(number), plan.output_set_id, columns)

    async def _freeze_chunk(self, number: int, rows: list[ExportRow],
                            carry: list[Any]) -> list[Any]:
        plan = self.plan
        taggable = taggable_addresses(rows, plan.address_filter)
        planned = (await self._db(self.store.sync_planned, plan.sync_id, plan.run_id,
                                  list(taggable)) if taggable else set())
        chunk = plan_chunk(plan, rows, taggable, planned)
        batches, carry = full_batches(carry + chunk.items, plan.import_batch,
                                      last=number == plan.chunk_count - 1)
        parts = [self._part(IMPORT, batch_payload(IMPORT, batch)) for batch in batches]
        parts.append(self._part(CHUNK, chunk_note(number, chunk, carry)))
        await self._db(self.store.extend_sync_plan, plan.sync_id, plan.run_id, parts,
                       chunk.new_addresses, chunk.digests)
        self.on_part()
        return carry

    async def _end(self) -> None:
        """Removals for leavers' addresses no listed constituent holds and this run does not
        import, then the purpose updates (adds for every imported address, then removes)."""
        plan = self.plan
        ledger: dict[str, set[int]] = {}
        if plan.mode == "add_and_remove" and plan.removed:
            ledger = await self._db(self.state.sync_ledger_of, plan.sync_id, plan.removed,
                                    plan.new_owners)
        importing = (await self._db(self.store.sync_planned, plan.sync_id, plan.run_id,
                                    list(ledger)) if ledger else set())
        removals, kept_shared = removal_items(plan, ledger, importing)
        size = plan.removal_batch
        parts = [self._part(REMOVE, batch_payload(REMOVE, removals[i:i + size]))
                 for i in range(0, len(removals), size)]
        purposes: Counter[str] = Counter()
        if plan.purpose_id is not None:
            after = ""
            while page := await self._db(self.store.sync_planned_page, plan.sync_id,
                                         plan.run_id, after, MAX_PURPOSE_BATCH):
                parts.append(self._part(PURPOSE, purpose_payload("add", page)))
                purposes["add"] += len(page)
                after = page[-1]
                parts = await self._flush(parts)
            untagged = sorted({r.address for r in removals})
            for start in range(0, len(untagged), MAX_PURPOSE_BATCH):
                page = untagged[start:start + MAX_PURPOSE_BATCH]
                parts.append(self._part(PURPOSE, purpose_payload("remove", page)))
                purposes["remove"] += len(page)
        parts.append(self._part(END, end_note(len(removals), kept_shared, purposes)))
        await self._flush(parts, at_least=1)
        self.on_part()
        log.info("sync: %s plan %s frozen: %d removals, %d kept shared", plan.sync_id,
                 plan.run_id, len(removals), kept_shared)

    async def _flush(self, parts: list[SyncPlanPart],
                     at_least: int = END_PARTS_PER_WRITE) -> list[SyncPlanPart]:
        if len(parts) >= at_least:
            await self._db(self.store.extend_sync_plan, self.plan.sync_id, self.plan.run_id,
                           parts)
            return []
        return parts

    def _part(self, kind: str, payload: bytes) -> SyncPlanPart:
        part = SyncPlanPart(self._next_part, kind, payload)
        self._next_part += 1
        return part

    _db = staticmethod(in_state_thread)
