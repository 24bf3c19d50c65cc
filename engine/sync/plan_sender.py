"""Sending a frozen plan's parts, in order, as they are frozen, each journaled once confirmed.

Import batches go ``IMPORTS_IN_FLIGHT`` at a time: a real import is queued and processed by
Prospect2 before ``import/info`` confirms it, so one at a time would leave most of the
request budget unused (the client's limiters keep the pace). Removals and purpose updates
wait for the whole plan and every import: an untag must not race an import, and a purpose
update leaves out the addresses Prospect2 refused. A crash resends at most the batches that
were in flight (imports and deletes are safe to repeat).

The purposes a run reports are the ones it set, counted per journaled batch (a batch the run it
finishes sent counts once, as it was sent), never the planned ones. An address Tessitura
answered ``not_found`` for (no constituent holds it now) was set on nothing: it is counted
apart, and the journal keeps how many a batch had, so a resumed run counts them the same way.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from engine import interrupts
from engine.interrupts import Interrupted
from engine.state.base import SyncBatchRecord, SyncPlanPart, SyncRuns
from engine.sync.definition import SyncDefinition
from engine.sync.filters import address_key
from engine.sync.ports import ImportContact, ListSource, TagAssociation, TagTarget
from engine.sync.progress import RunProgress
from engine.sync.purposes import NOT_FOUND
from engine.sync.run_plan import (
    CHUNK,
    END,
    IMPORT,
    PURPOSE,
    REMOVE,
    ImportItem,
    PlanCounts,
    SyncRunPlan,
    import_batch,
    purpose_batch,
    removal_batch,
)
from engine.sync.run_report import SyncRunReport
from engine.sync.state_thread import in_state_thread

log = logging.getLogger(__name__)

#: Import batches sent at once (each is a POST and its status reads).
IMPORTS_IN_FLIGHT = 4
#: Parts read from the store at a time.
PARTS_PAGE = 32
#: contactTag associations are listed this many a page (one pass costs size / page calls).
ASSOCIATION_PAGE = 100


class PlanSender:
    def __init__(self, source: ListSource, target: TagTarget, state: SyncRuns,
                 definition: SyncDefinition, plan: SyncRunPlan, report: SyncRunReport) -> None:
        self.source, self.target, self.state = source, target, state
        self.definition, self.plan, self.report = definition, plan, report
        self.counts = PlanCounts()
        self.sendable = 0  # batches of the plan seen so far, sent before or not
        self.queued = 0  # API calls of the parts this run sent or is sending
        #: Addresses each purpose action ("add", "remove") was set on, and those Tessitura
        #: did not find ("not_found"), over the batches journaled: sent now, or by the
        #: interrupted run this one finishes.
        self.purposes: Counter[str] = Counter()
        self._associations: dict[str, str] | None = None
        self._not_found: dict[int, int] = {}  # journaled purpose batch -> not found in it

    async def send(self, building: asyncio.Task[None], frozen: asyncio.Event) -> None:
        """Every part not journaled yet, while ``building`` freezes more (it sets ``frozen``
        after each write); errors of either stop both."""
        plan = self.plan
        done = await self._db(self.state.sync_batches_done, plan.sync_id, plan.run_id)
        self._not_found = await self._db(self.state.sync_batches_not_found, plan.sync_id,
                                         plan.run_id)
        in_flight: set[asyncio.Task[None]] = set()
        with RunProgress(f"{self.definition.address} (API calls)", self._estimate(),
                         self.target.rate_per_second) as progress:
            try:
                after = -1
                while parts := await self._next_parts(after, building, frozen):
                    for part in parts:
                        after = part.part_no
                        await self._send_part(part, done, in_flight, building, progress)
                await _room(in_flight, 0)
            except BaseException:
                for task in (*in_flight, building):
                    task.cancel()
                await asyncio.gather(*in_flight, building, return_exceptions=True)
                raise

    async def _next_parts(self, after: int, building: asyncio.Task[None],
                          frozen: asyncio.Event) -> list[SyncPlanPart]:
        """The parts frozen after ``after``, waiting while ``building`` freezes more; none
        once the plan is whole and sent (the builder's error, if it failed)."""
        while True:
            frozen.clear()
            if parts := await self._parts(after):
                return parts
            if building.done():
                building.result()
                return await self._parts(after)
            await _more(frozen, building)

    async def _send_part(self, part: SyncPlanPart, done: set[int],
                         in_flight: set[asyncio.Task[None]],
                         building: asyncio.Task[None], progress: RunProgress) -> None:
        """Count ``part``; send it unless journaled: imports a few at once, the rest alone
        once every import has returned and the plan is whole."""
        self.counts.add_part(part)
        if part.kind in (CHUNK, END):
            return
        self.sendable += 1
        if part.part_no in done:
            if part.kind == PURPOSE:  # set before the kill: counted, not sent again
                action, addresses = await self._purpose_update(part)
                self._count_purposes(action, len(addresses),
                                     self._not_found.get(part.part_no, 0))
            return
        self.queued += _cost(part)  # not what completed: imports in flight count too
        if self.queued > progress.total:
            progress.resize(self.queued)
        await self._stop_if_asked(in_flight, part.part_no, building)
        if part.kind == IMPORT:
            await _room(in_flight, IMPORTS_IN_FLIGHT - 1)
            in_flight.add(asyncio.create_task(self._import(part, progress)))
            return
        await _room(in_flight, 0)
        await building  # the plan's end is whole before it is sent
        await (self._remove(part) if part.kind != PURPOSE else self._purposes(part))
        progress.advance(_cost(part))

    def _estimate(self) -> int:
        """API calls the plan will take, before its end is frozen: an import batch for every
        ``import_batch`` exported constituents, a delete per leaver."""
        plan = self.plan
        imports = -(-len(plan.exported) // plan.import_batch)
        return 2 * imports + (len(plan.removed) if plan.mode == "add_and_remove" else 0)

    async def _parts(self, after: int) -> list[SyncPlanPart]:
        return await self._db(self.state.sync_plan_parts, self.plan.sync_id, self.plan.run_id,
                              after, PARTS_PAGE)

    async def _stop_if_asked(self, in_flight: set[asyncio.Task[None]], after: int,
                             building: asyncio.Task[None]) -> None:
        """Between batches: Ctrl-C stops here, once the batches in flight are journaled."""
        if not interrupts.stop_requested():
            return
        await _room(in_flight, 0)
        plan = self.plan
        done = await self._db(self.state.sync_batches_done, plan.sync_id, plan.run_id)
        total = self.sendable
        while parts := await self._parts(after):  # the rest of what is frozen so far
            after = parts[-1].part_no
            total += sum(1 for p in parts if p.kind not in (CHUNK, END))
        some = "" if building.done() else "at least "
        raise Interrupted(f"{len(done)} of {some}{total} batches sent and recorded")

    async def _import(self, part: SyncPlanPart, progress: RunProgress) -> None:
        plan, definition = self.plan, self.definition
        batch = import_batch(part)
        sending = [i for i in batch if i.sent]
        record = SyncBatchRecord(batch_no=part.part_no)
        accepted: set[str] = set()
        refused: dict[str, str] = {}
        batch_id = "-"
        if sending:
            outcome = await self.target.import_tagged(
                [_contact(i, [f.field_id for f in plan.fields]) for i in sending],
                definition.tag, trigger_automations=definition.trigger_automations,
                trigger_webhooks=definition.trigger_webhooks)
            accepted = {address_key(e) for e in outcome.accepted}
            refused = {address_key(e): reason for e, reason in outcome.rejected.items()}
            batch_id = outcome.batch_id
        for item in batch:
            if not item.sent:
                record.owners += [(item.address, c) for c in item.constituents]
                continue
            if item.address in accepted:
                record.tagged += [(item.address, c) for c in item.constituents]
                continue
            reason = refused.get(item.address, "missing from the import's result")
            record.rejected[item.address] = (item.constituents, reason)
            self.report.rejected[item.address] = reason
        await self._db(self.state.record_sync_batch, plan.sync_id, plan.run_id, record)
        progress.advance(_cost(part))
        log.info("sync: %s batch %d confirmed (%s): %d tagged, %d rejected",
                 definition.address, part.part_no, batch_id, len(accepted),
                 len(record.rejected))

    async def _remove(self, part: SyncPlanPart) -> None:
        plan = self.plan
        removals = removal_batch(part)
        cached = await self._cached_associations(part)
        for item in removals:
            association_id = cached.get(item.address)
            if association_id is None or not await self.target.remove(association_id):
                found: TagAssociation | None = await self.target.find_association(
                    item.address, self.definition.tag)
                if found is not None:
                    await self.target.remove(found.association_id)
        await self._db(self.state.record_sync_batch, plan.sync_id, plan.run_id,
                       SyncBatchRecord(batch_no=part.part_no,
                                       untagged=[r.address for r in removals]))

    async def _cached_associations(self, first: SyncPlanPart) -> dict[str, str]:
        """Cached association ids; one paged pass over the tag when that is cheaper than a
        look-up for each unknown address of the removals left (decided at the first)."""
        if self._associations is not None:
            return self._associations
        plan = self.plan
        cached = await self._db(self.state.sync_associations, plan.sync_id)
        done = await self._db(self.state.sync_batches_done, plan.sync_id, plan.run_id)
        unknown, after = 0, first.part_no - 1
        while parts := await self._parts(after):
            after = parts[-1].part_no
            unknown += sum(1 for part in parts if part.kind == REMOVE
                           and part.part_no not in done
                           for r in removal_batch(part) if r.address not in cached)
        tag_size = len(plan.current) + len(plan.removed)
        if unknown and unknown > tag_size // ASSOCIATION_PAGE + 1:
            listed = {address_key(a.email): a.association_id
                      for a in await self.target.associations(self.definition.tag)}
            await self._db(self.state.save_sync_associations, plan.sync_id, listed)
            cached.update(listed)
        self._associations = cached
        return cached

    async def _purpose_update(self, part: SyncPlanPart) -> tuple[str, list[str]]:
        """A ``purpose`` part's action and the addresses it sets: an add leaves out the
        addresses Prospect2 refused to import (they carry no tag). Purposes go out once every
        import of the plan is journaled, so a journaled part reads back what it sent."""
        action, addresses = purpose_batch(part)
        if action == "add":
            refused = {a for a, _, _ in await self._db(self.state.sync_rejected,
                                                       self.plan.sync_id)}
            addresses = [a for a in addresses if a not in refused]
        return action, addresses

    async def _purposes(self, part: SyncPlanPart) -> None:
        """One purpose update in Tessitura (trigger webhooks), journaled once confirmed."""
        plan = self.plan
        assert plan.purpose_id is not None
        action, addresses = await self._purpose_update(part)
        results: dict[str, str] = {}
        if addresses:
            results = await self.source.set_purposes(plan.purpose_id, action, addresses)
        not_found = sum(1 for a in addresses if results.get(address_key(a)) == NOT_FOUND)
        await self._db(self.state.record_sync_batch, plan.sync_id, plan.run_id,
                       SyncBatchRecord(batch_no=part.part_no, not_found=not_found))
        self._count_purposes(action, len(addresses), not_found)
        log.info("sync: %s purpose %s %s on %d addresses (part %d)%s", plan.sync_id,
                 plan.purpose_id, action, len(addresses), part.part_no,
                 f", {not_found} not found in Tessitura" if not_found else "")

    def _count_purposes(self, action: str, sent: int, not_found: int) -> None:
        self.purposes[action] += sent - not_found
        self.purposes[NOT_FOUND] += not_found

    _db = staticmethod(in_state_thread)


async def _room(in_flight: set[asyncio.Task[None]], most: int) -> None:
    """Wait until at most ``most`` tasks are in flight; the first failure is raised. A batch
    cancelled on its own was not journaled, so it stops the run like a failure: finishing
    would move the baseline over members never tagged."""
    while len(in_flight) > most:
        finished, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
        in_flight -= finished
        for task in finished:
            if task.cancelled():
                raise asyncio.CancelledError("an import batch was cancelled")
            if (error := task.exception()) is not None:
                raise error


async def _more(frozen: asyncio.Event, building: asyncio.Task[None]) -> None:
    """Until the builder freezes more parts, or ends."""
    waiter = asyncio.ensure_future(frozen.wait())
    try:
        await asyncio.wait({building, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()


def _cost(part: SyncPlanPart) -> int:
    """API calls a part takes (for the ETA): an import is a POST and its status read."""
    if part.kind == IMPORT:
        return 2
    if part.kind == PURPOSE:
        return 1
    return len(removal_batch(part))


def _contact(item: ImportItem, field_ids: list[str]) -> ImportContact:
    """One import: name and the contact data that fits its fields (misfits left out)."""
    fields = tuple((field_id, value) for field_id, value in zip(field_ids, item.values,
                                                                strict=False)
                   if value is not None)
    return ImportContact(item.address, item.first_name, item.last_name, fields)
