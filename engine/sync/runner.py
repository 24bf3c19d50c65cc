"""One Data Sync run (seed 003, spec §4): decide, freeze, send, confirm, move the baseline.

The run is decided entirely from reads (list members, baseline, audit changes, exported
addresses, the ledger) and frozen in state before its first write. Each batch Prospect2
confirms is journaled with its ledger effects in one transaction; the baseline moves only
when every batch is confirmed. A run that dies part-way is finished by the next one, from the
same frozen plan, resending at most the one batch that was in flight.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from pyroaring import BitMap

from engine import clock, interrupts
from engine.errors import CallboardError
from engine.interrupts import Interrupted
from engine.state.base import SyncBaseline, SyncBatchRecord, SyncRuns
from engine.sync.contact_data import DigestColumn
from engine.sync.definition import SyncDefinition
from engine.sync.delta import DataSyncDelta, compute_delta, dump_bitmap, load_bitmap
from engine.sync.filters import (
    AddressFilter,
    TaggableAddress,
    address_key,
    taggable_addresses,
)
from engine.sync.ports import (
    MAX_IMPORT_BATCH,
    AuditChange,
    ExportRow,
    ImportContact,
    ListSource,
    TagAssociation,
    TagTarget,
)
from engine.sync.progress import RunProgress
from engine.sync.purposes import PurposeBatch
from engine.sync.resync import resync_candidates
from engine.sync.run_plan import (
    REMOVAL_BATCH,
    ImportItem,
    PlanInputs,
    RemovalItem,
    SyncRunPlan,
    build_run_plan,
    safety_problem,
)
from engine.sync.run_report import FAILED, INTERRUPTED, STOPPED, SUCCEEDED, SyncRunReport
from engine.sync.value_changes import changed_values, sent_digests

log = logging.getLogger(__name__)
_T = TypeVar("_T")

#: contactTag associations are listed this many a page (one pass costs size / page calls).
ASSOCIATION_PAGE = 100


def utc_now() -> str:
    return clock.iso_now()


def new_run_id() -> str:
    """Sorts by start time, so the run log keeps runs of the same second in order."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"


@dataclass
class SyncPreview:
    """What a run would do now: from the list regenerated first, as a run does (so the counts
    agree with the run that follows), or, when ``regenerated`` is False, as last generated."""

    definition: SyncDefinition
    plan: SyncRunPlan
    baseline_size: int
    unfinished_run: bool
    regenerated: bool = True


class DataSyncRunner:
    """Runs and previews Data Syncs against a list source and a tag target."""

    def __init__(self, source: ListSource, target: TagTarget, state: SyncRuns, *,
                 max_remove_fraction: float = 0.1,
                 clock: Callable[[], str] = utc_now,
                 import_batch: int = MAX_IMPORT_BATCH,
                 removal_batch: int = REMOVAL_BATCH) -> None:
        """``import_batch`` / ``removal_batch`` below the maximum are for tests of batch
        boundaries on small lists."""
        self.source = source
        self.target = target
        self.state = state
        self.max_remove_fraction = max_remove_fraction
        self.clock = clock
        self.import_batch = min(import_batch, MAX_IMPORT_BATCH)
        self.removal_batch = removal_batch

    # -- deciding ----------------------------------------------------------------------------
    async def decide(self, definition: SyncDefinition, run_id: str) -> SyncRunPlan:
        """Every read a run needs, then the pure plan; no writes."""
        audit_until = await self.source.now()
        current = await self.source.members(definition.list_id)
        stored = await self._db(self.state.sync_baseline, definition.sync_id)
        baseline = load_bitmap(stored.members if stored else None)
        delta = compute_delta(baseline, current)
        output_set = await self._output_set(definition)
        changes, tracking = await self._audited(definition, stored, delta, audit_until)
        resync, digests = await self._resync(definition, output_set, delta, changes, tracking)
        removing = definition.mode == "add_and_remove"
        movers = _movers(changes, delta, resync) if removing else BitMap()
        rejected = BitMap(c for _, c, _ in await self._db(self.state.sync_rejected,
                                                          definition.sync_id))
        importing = delta.added | resync | (rejected & current)
        rows = await self._export(definition, output_set, importing | movers)
        if definition.contact_fields and definition.resync != "values":
            digests = sent_digests(rows, importing)
        ledger = (await self._db(self.state.sync_ledger, definition.sync_id)
                  if removing and (delta.removed or movers) else {})
        moved = _taggable(rows, movers, definition.address_filter)
        return build_run_plan(PlanInputs(
            sync_id=definition.sync_id, run_id=run_id, started_at=self.clock(),
            audit_until=audit_until.isoformat(), mode=definition.mode, current=current,
            baseline=baseline, resync=resync,
            taggable=_taggable(rows, importing, definition.address_filter),
            ledger=ledger, rejected_constituents=rejected, import_batch=self.import_batch,
            removal_batch=self.removal_batch,
            new_owners={a: e.constituents for a, e in moved.items() if a in ledger},
            fields=definition.contact_fields, digests=digests,
            purpose_id=definition.purpose_id if definition.trigger_webhooks else None))

    async def _output_set(self, definition: SyncDefinition) -> int | None:
        """The output set contact data comes from: the sync's, else its list's own."""
        if not definition.contact_fields:
            return None
        found = definition.output_set_id or await self.source.output_set_of(definition.list_id)
        if found is None:
            raise CallboardError(f"{definition.address}: list {definition.list_id} has no "
                                 "output set and the sync's contact_data names none")
        return found

    async def _export(self, definition: SyncDefinition, output_set: int | None,
                      wanted: BitMap) -> list[ExportRow]:
        """Exported addresses of ``wanted``, with the contact data's columns beside each."""
        if not wanted:
            return []
        columns = [f.column for f in definition.contact_fields]
        return await self.source.export(list(wanted), output_set, columns)

    async def _audited(self, definition: SyncDefinition, stored: SyncBaseline | None,
                       delta: DataSyncDelta, until: datetime
                       ) -> tuple[list[AuditChange], bool]:
        """Audited changes since the last run's window, and whether seed 003's re-sync is on
        (``resync: audit`` and P2DSTrackChanges). A removing sync reads them anyway, for the
        addresses that moved."""
        tracking = bool(stored and delta.kept and definition.resync == "audit"
                        and await self.source.track_changes())
        removing = definition.mode == "add_and_remove"
        if not (stored and stored.audit_until and delta.kept and (tracking or removing)):
            return [], tracking
        since = datetime.fromisoformat(stored.audit_until)
        changes = await self.source.audit_changes(since, until) if since < until else []
        return changes, tracking

    async def _resync(self, definition: SyncDefinition, output_set: int | None,
                      delta: DataSyncDelta, changes: list[AuditChange], tracking: bool
                      ) -> tuple[BitMap, DigestColumn]:
        """Listed members to re-import: audited changes (seed 003), or carried values that
        changed (``resync: values``, with the digests to keep), or none (``off``)."""
        if definition.resync == "values" and output_set is not None:
            changed, digests = await changed_values(
                self.source, self.state, definition.sync_id, definition.list_id, output_set,
                definition.contact_fields)
            return changed & delta.kept, digests
        resync = resync_candidates(changes, delta.kept) if tracking else BitMap()
        return resync, DigestColumn()

    async def preview(self, definition: SyncDefinition, *,
                      regenerate: bool = True) -> SyncPreview:
        """Reads only (regenerating a list changes no data, only which rows it holds)."""
        if regenerate:
            await self.source.regenerate(definition.list_id)
        stored = await self._db(self.state.sync_baseline, definition.sync_id)
        plan = await self.decide(definition, run_id="preview")
        return SyncPreview(definition, plan, len(load_bitmap(stored.members if stored else None)),
                           await self._db(self.state.sync_plan, definition.sync_id) is not None,
                           regenerated=regenerate)

    # -- running -----------------------------------------------------------------------------
    async def run(self, definition: SyncDefinition, *, force: bool = False) -> SyncRunReport:
        """Finish an interrupted run of this sync first, then sync what changed since; never
        raises for a failed run (the report says why) so other syncs still run."""
        calls = (self.source.calls, self.target.calls, self.target.rate_limited)
        frozen = await self._db(self.state.sync_plan, definition.sync_id)
        plan = SyncRunPlan.from_bytes(frozen[1]) if frozen else None
        report = SyncRunReport(definition.address, definition.sync_id, new_run_id(),
                               self.clock(), resumed=bool(plan),
                               completes=plan.run_id if plan else "")
        await self._db(self.state.log_sync_run, report.as_log_entry())
        try:
            if plan is not None:
                await self._carry_out(definition, plan, report)
            await self.source.regenerate(definition.list_id)
            plan = await self.decide(definition, report.run_id)
            baseline = await self._db(self.state.sync_baseline, definition.sync_id)
            problem = safety_problem(
                definition.mode, load_bitmap(baseline.members if baseline else None),
                plan.current, self.max_remove_fraction)
            if problem and not force:
                report.status, report.message = STOPPED, problem
                return report
            if plan.batch_count:
                await self._db(self.state.freeze_sync_plan, definition.sync_id, plan.run_id,
                               plan.to_bytes())
            await self._carry_out(definition, plan, report)
            report.status = SUCCEEDED
        except CallboardError as exc:
            report.status, report.message = FAILED, str(exc)
            log.warning("sync: %s failed: %s", definition.address, exc)
        except (Interrupted, asyncio.CancelledError):
            report.status = INTERRUPTED  # the next run finishes it from the frozen plan
            raise
        finally:
            report.tessitura_calls = self.source.calls - calls[0]
            report.prospect2_calls = self.target.calls - calls[1]
            report.rate_limited = self.target.rate_limited - calls[2]
            report.finished_at = self.clock()
            await self._db(self.state.log_sync_run, report.as_log_entry())
        return report

    async def _carry_out(self, definition: SyncDefinition, plan: SyncRunPlan,
                         report: SyncRunReport) -> None:
        """Send a frozen plan's unjournaled batches and move the baseline; counts add up
        across an interrupted plan and the fresh one that follows it."""
        report.list_size = len(plan.current)
        report.constituents_added += len(plan.added)
        report.constituents_removed += len(plan.removed)
        report.kept_shared += plan.kept_shared
        await self._send(definition, plan, report)
        await self._commit(plan)

    async def _send(self, definition: SyncDefinition, plan: SyncRunPlan,
                    report: SyncRunReport) -> None:
        done = await self._db(self.state.sync_batches_done, plan.sync_id, plan.run_id)
        imports, removals, purposes = (
            [(n, b) for n, b in batches if n not in done] for batches in plan.numbered_batches())
        report.count_plan(plan)
        # Progress counts API calls (an import batch is a POST and its status read), so the
        # ETA follows the rate budget rather than the number of contacts.
        total = 2 * len(imports) + sum(len(b) for _, b in removals) + len(purposes)
        if not total:
            return
        with RunProgress(f"{definition.address} (API calls)", total,
                         self.target.rate_per_second) as progress:
            for number, batch in imports:
                _stop_if_asked(number, plan.batch_count)
                await self._import(definition, plan, number, batch, report)
                progress.advance(2)
            if removals:
                associations = await self._associations(definition, plan, removals)
                for number, items in removals:
                    _stop_if_asked(number, plan.batch_count)
                    await self._remove(definition, plan, number, items, associations)
                    progress.advance(len(items))
            for number, purposes_batch in purposes:
                _stop_if_asked(number, plan.batch_count)
                await self._purposes(plan, number, purposes_batch)
                progress.advance(1)

    async def _purposes(self, plan: SyncRunPlan, number: int, batch: PurposeBatch) -> None:
        """One purpose update in Tessitura (trigger webhooks), journaled once confirmed;
        addresses Prospect2 refused to import are left out (they carry no tag)."""
        assert plan.purpose_id is not None
        refused = {a for a, _, _ in await self._db(self.state.sync_rejected, plan.sync_id)}
        addresses = [a for a in batch.addresses if batch.action == "remove" or a not in refused]
        if addresses:
            await self.source.set_purposes(plan.purpose_id, batch.action, addresses)
        await self._db(self.state.record_sync_batch, plan.sync_id, plan.run_id,
                       SyncBatchRecord(batch_no=number))
        log.info("sync: %s purpose %s %s on %d addresses (batch %d)", plan.sync_id,
                 plan.purpose_id, batch.action, len(addresses), number)

    async def _import(self, definition: SyncDefinition, plan: SyncRunPlan, number: int,
                      batch: list[ImportItem], report: SyncRunReport) -> None:
        outcome = await self.target.import_tagged(
            [_contact(i, plan.field_ids) for i in batch],
            definition.tag, trigger_automations=definition.trigger_automations,
            trigger_webhooks=definition.trigger_webhooks)
        accepted = {address_key(e) for e in outcome.accepted}
        refused = {address_key(e): reason for e, reason in outcome.rejected.items()}
        record = SyncBatchRecord(batch_no=number)
        for item in batch:
            if item.address in accepted:
                record.tagged += [(item.address, c) for c in item.constituents]
                continue
            reason = refused.get(item.address, "missing from the import's result")
            record.rejected[item.address] = (item.constituents, reason)
            report.rejected[item.address] = reason
        await self._db(self.state.record_sync_batch, plan.sync_id, plan.run_id, record)
        log.info("sync: %s batch %d confirmed (%s): %d tagged, %d rejected",
                 definition.address, number, outcome.batch_id, len(accepted),
                 len(record.rejected))

    async def _associations(self, definition: SyncDefinition, plan: SyncRunPlan,
                            pending: list[tuple[int, list[RemovalItem]]]) -> dict[str, str]:
        """Cached association ids; one paged pass over the tag when that is cheaper than a
        look-up for each unknown address."""
        cached = await self._db(self.state.sync_associations, plan.sync_id)
        unknown = sum(1 for _, b in pending for r in b if r.address not in cached)
        tag_size = len(plan.current) + len(plan.removed)
        if unknown and unknown > tag_size // ASSOCIATION_PAGE + 1:
            listed = {address_key(a.email): a.association_id
                      for a in await self.target.associations(definition.tag)}
            await self._db(self.state.save_sync_associations, plan.sync_id, listed)
            cached.update(listed)
        return cached

    async def _remove(self, definition: SyncDefinition, plan: SyncRunPlan, number: int,
                      removals: list[RemovalItem], cached: dict[str, str]) -> None:
        for item in removals:
            association_id = cached.get(item.address)
            if association_id is None or not await self.target.remove(association_id):
                found: TagAssociation | None = await self.target.find_association(
                    item.address, definition.tag)
                if found is not None:
                    await self.target.remove(found.association_id)
        await self._db(self.state.record_sync_batch, plan.sync_id, plan.run_id,
                       SyncBatchRecord(batch_no=number, untagged=[r.address for r in removals]))

    async def _commit(self, plan: SyncRunPlan) -> None:
        if len(plan.digests) or plan.removed:  # kept before the baseline moves past them
            await self._db(self.state.record_sync_digests, plan.sync_id, plan.digests.pairs(),
                           plan.removed)
        if plan.new_owners:
            await self._db(self.state.record_sync_batch, plan.sync_id, plan.run_id,
                           SyncBatchRecord(batch_no=plan.batch_count, tagged=[
                               (a, c) for a, owners in plan.new_owners.items() for c in owners]))
        stale_rejections = [c for _, c, _ in await self._db(self.state.sync_rejected, plan.sync_id)
                            if c not in plan.current]
        await self._db(
            self.state.finish_sync_plan, plan.sync_id, plan.run_id,
            SyncBaseline(plan.sync_id, dump_bitmap(plan.current), plan.audit_until),
            list(plan.removed), stale_rejections)

    @staticmethod
    async def _db(call: Callable[..., _T], *args: Any) -> _T:
        """A state call, run in a worker thread: a PostgreSQL round trip never blocks the
        event loop (and so the requests in flight)."""
        return await asyncio.to_thread(call, *args)


def _stop_if_asked(number: int, total: int) -> None:
    """Between batches: Ctrl-C stops here, every confirmed batch journaled."""
    if interrupts.stop_requested():
        raise Interrupted(f"{number} of {total} batches sent and recorded")


def _contact(item: ImportItem, field_ids: list[str]) -> ImportContact:
    """One import: name and the contact data that fits its fields (misfits left out)."""
    fields = tuple((field_id, value) for field_id, value in zip(field_ids, item.values,
                                                                strict=False)
                   if value is not None)
    return ImportContact(item.address, item.first_name, item.last_name, fields)


def _taggable(rows: list[ExportRow], owners: BitMap,
              address_filter: AddressFilter) -> dict[str, TaggableAddress]:
    return taggable_addresses([r for r in rows if r.constituent_id in owners], address_filter)


def _movers(changes: list[AuditChange], delta: DataSyncDelta, resync: BitMap) -> BitMap:
    """Listed constituents whose email addresses changed (audited), and not re-synced.

    Seed 003 never re-imports for an email change, but a listed constituent who now holds an
    address this sync tagged must keep that tag when its first owner leaves."""
    changed = BitMap(c.constituent_id for c in changes if c.table.upper() == "T_EADDRESS")
    return (changed & delta.kept) - resync
