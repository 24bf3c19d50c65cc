"""One Data Sync run (seed 003, spec §4): decide, freeze, send, confirm, move the baseline.

The run is decided from reads (list members, baseline, audit changes, the ledger) and its
decision frozen in state before its first write; its batches are frozen part by part as the
export streams in, each before it is sent (``plan_builder``), and sent as they are frozen
(``plan_sender``), so Prospect2 imports overlap Tessitura's export and a run's memory does
not grow with its list. Each batch Prospect2 confirms is journaled with its ledger effects
in one transaction; the baseline moves only when every batch is confirmed. A run that dies
part-way is finished by the next one from the same frozen plan, resending at most the
batches that were in flight.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pyroaring import BitMap

from engine import clock
from engine.errors import CallboardError, ProviderError
from engine.interrupts import Interrupted
from engine.state.base import SyncBaseline, SyncBatchRecord, SyncPlans, SyncRuns
from engine.state.sqlite import SqliteState
from engine.sync.definition import SyncDefinition, UnavailableSync
from engine.sync.delta import DataSyncDelta, compute_delta, dump_bitmap, load_bitmap
from engine.sync.filters import taggable_addresses
from engine.sync.plan_builder import PlanBuilder
from engine.sync.plan_sender import PlanSender
from engine.sync.planned_run import PlannedRun
from engine.sync.ports import (
    MAX_EXPORT_BATCH,
    MAX_IMPORT_BATCH,
    AuditChange,
    ListSource,
    TagTarget,
)
from engine.sync.resync import resync_candidates
from engine.sync.run_plan import REMOVAL_BATCH, PlanCounts, SyncRunPlan, safety_problem
from engine.sync.run_report import FAILED, INTERRUPTED, STOPPED, SUCCEEDED, SyncRunReport
from engine.sync.state_thread import in_state_thread
from engine.sync.value_changes import changed_values

log = logging.getLogger(__name__)


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
    plan: PlannedRun
    baseline_size: int
    unfinished_run: bool
    regenerated: bool = True
    #: Why a run would stop before any write (the safety check), unless ``--force``.
    needs_force: str | None = None
    #: Why the run starts from an empty baseline (its tag was made again), if it does.
    tag_changed: str | None = None


class DataSyncRunner:
    """Runs and previews Data Syncs against a list source and a tag target."""

    def __init__(self, source: ListSource, target: TagTarget, state: SyncRuns, *,
                 max_remove_fraction: float = 0.1,
                 clock: Callable[[], str] = utc_now,
                 import_batch: int = MAX_IMPORT_BATCH,
                 removal_batch: int = REMOVAL_BATCH,
                 export_batch: int = MAX_EXPORT_BATCH) -> None:
        """Batches below the maximum are for tests of batch and chunk boundaries on small
        lists."""
        self.source = source
        self.target = target
        self.state = state
        self.max_remove_fraction = max_remove_fraction
        self.clock = clock
        self.import_batch = min(import_batch, MAX_IMPORT_BATCH)
        self.removal_batch = removal_batch
        self.export_batch = min(export_batch, MAX_EXPORT_BATCH)

    # -- deciding ----------------------------------------------------------------------------
    async def decide(self, definition: SyncDefinition, run_id: str,
                     store: SyncPlans | None = None) -> SyncRunPlan:
        """Every read the decision needs, and the decision; no writes but the digests a
        ``resync: values`` run stages in ``store`` (the state; a preview's scratch)."""
        audit_until = await self.source.now()
        current = await self.source.members(definition.list_id)
        stored = trusted(await self._db(self.state.sync_baseline, definition.sync_id),
                         definition)
        delta = compute_delta(load_bitmap(stored.members if stored else None), current)
        output_set = await self._output_set(definition)
        changes, tracking = await self._audited(definition, stored, delta, audit_until)
        resync = await self._resync(definition, output_set, delta, changes, tracking,
                                    store or self.state, run_id)
        removing = definition.mode == "add_and_remove"
        movers = _movers(changes, delta, resync) if removing else BitMap()
        rejected = BitMap(c for _, c, _ in await self._db(self.state.sync_rejected,
                                                          definition.sync_id))
        return SyncRunPlan(
            run_id=run_id, sync_id=definition.sync_id, started_at=self.clock(),
            audit_until=audit_until.isoformat(), current=current, added=delta.added,
            removed=delta.removed, resynced=resync,
            retried=(rejected & current) - delta.added - resync, mode=definition.mode,
            address_filter=definition.address_filter, output_set_id=output_set,
            fields=definition.contact_fields,
            digest_sent=bool(definition.contact_fields) and definition.resync != "values",
            purpose_id=definition.purpose_id if definition.trigger_webhooks else None,
            tag_id=definition.tag_id,
            new_owners=await self._new_owners(definition, movers),
            import_batch=self.import_batch, removal_batch=self.removal_batch,
            export_batch=self.export_batch)

    async def _output_set(self, definition: SyncDefinition) -> int | None:
        """The output set contact data comes from: the sync's, else its list's own."""
        if not definition.contact_fields:
            return None
        found = definition.output_set_id or await self.source.output_set_of(definition.list_id)
        if found is None:
            raise CallboardError(f"{definition.address}: list {definition.list_id} has no "
                                 "output set and the sync's contact_data names none")
        return found

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
                      delta: DataSyncDelta, changes: list[AuditChange], tracking: bool,
                      store: SyncPlans, run_id: str) -> BitMap:
        """Listed members to re-import: audited changes (seed 003), or carried values that
        changed (``resync: values``, their digests staged in ``store``), or none (``off``)."""
        if definition.resync == "values" and output_set is not None:
            changed = await changed_values(self.source, self.state, store, definition,
                                           output_set, run_id)
            return changed & delta.kept
        return resync_candidates(changes, delta.kept) if tracking else BitMap()

    async def _new_owners(self, definition: SyncDefinition,
                          movers: BitMap) -> dict[str, list[int]]:
        """Tagged addresses that listed constituents now hold too (audited email changes),
        with those owners: the ledger learns them, so the address stays while one is listed."""
        if not movers:
            return {}
        rows = await self.source.export(list(movers))
        moved = taggable_addresses(rows, definition.address_filter)
        ledger = await self._db(self.state.sync_ledger_of, definition.sync_id, (), list(moved))
        return {a: sorted(e.constituents) for a, e in sorted(moved.items()) if a in ledger}

    async def preview(self, definition: SyncDefinition, *,
                      regenerate: bool = True) -> SyncPreview:
        """Reads only (regenerating a list changes no data, only which rows it holds); the
        plan is frozen in a scratch store, then read back whole to show."""
        if regenerate:
            await self.source.regenerate(definition.list_id)
        found = await self._db(self.state.sync_baseline, definition.sync_id)
        stored = trusted(found, definition)
        unfinished = await self._db(self.state.sync_plan, definition.sync_id) is not None
        with tempfile.TemporaryDirectory(prefix="callboard-preview-") as folder:
            scratch = await self._db(SqliteState, Path(folder) / "plan.db")
            try:
                plan = await self.decide(definition, "preview", scratch)
                await PlanBuilder(self.source, self.state, scratch, plan).build()
                planned = await self._db(PlannedRun.read, scratch, plan)
            finally:
                scratch.close()
        baseline = load_bitmap(stored.members if stored else None)
        return SyncPreview(definition, planned, len(baseline), unfinished,
                           regenerated=regenerate, tag_changed=other_tag(found, stored),
                           needs_force=safety_problem(definition.mode, baseline, plan.current,
                                                      self.max_remove_fraction))

    # -- running -----------------------------------------------------------------------------
    async def run(self, definition: SyncDefinition, *, force: bool = False) -> SyncRunReport:
        """Finish an interrupted run of this sync first, then sync what changed since; never
        raises for a failed run (the report says why) so other syncs still run."""
        calls = (self.source.calls, self.target.calls, self.target.rate_limited)
        frozen = await self._db(self.state.sync_plan, definition.sync_id)
        plan = SyncRunPlan.from_bytes(frozen[1]) if frozen else None
        if plan and plan.tag_id not in (None, definition.tag_id):
            plan = None  # frozen for a tag deleted since: the fresh run tags everyone again
        report = SyncRunReport(definition.address, definition.sync_id, new_run_id(),
                               self.clock(), resumed=bool(plan),
                               completes=plan.run_id if plan else "")
        await self._db(self.state.log_sync_run, report.as_log_entry())
        try:
            await self._sync(definition, plan, report, force)
        except CallboardError as exc:
            report.status, report.message = FAILED, failure_message(exc, definition)
            # the report is what the user reads (the command's output, sync log, the email):
            # a warning would reach stderr too and say the same again
            log.info("sync: %s failed: %s", definition.address, report.message)
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

    async def _sync(self, definition: SyncDefinition, plan: SyncRunPlan | None,
                    report: SyncRunReport, force: bool) -> None:
        """Carry out the interrupted run's ``plan``, if any, then decide, check and carry out
        this run's; ``report`` says how it ended (stopped by the safety check, or succeeded)."""
        if plan is not None:
            await self._carry_out(definition, plan, report)
        await self._db(self.state.discard_sync_plans, definition.sync_id, None)
        await self.source.regenerate(definition.list_id)
        plan = await self.decide(definition, report.run_id)
        found = await self._db(self.state.sync_baseline, definition.sync_id)
        baseline = trusted(found, definition)
        report.message = other_tag(found, baseline) or ""
        problem = safety_problem(
            definition.mode, load_bitmap(baseline.members if baseline else None),
            plan.current, self.max_remove_fraction)
        if problem and not force:
            await self._db(self.state.discard_sync_plans, definition.sync_id, None)
            report.status, report.message = STOPPED, problem
            return
        await self._db(self.state.freeze_sync_plan, definition.sync_id, plan.run_id,
                       plan.to_bytes())
        await self._carry_out(definition, plan, report)
        report.status = SUCCEEDED

    async def refuse(self, sync: UnavailableSync) -> SyncRunReport:
        """The run of a sync that cannot run now, logged failed with the reason and nothing
        sent, so ``sync log``, the summary and the email say why, as for any failed run."""
        now = self.clock()
        report = SyncRunReport(sync.address, sync.sync_id, new_run_id(), now, status=FAILED,
                               finished_at=now, message=sync.reason)
        await self._db(self.state.log_sync_run, report.as_log_entry())
        return report

    async def _carry_out(self, definition: SyncDefinition, plan: SyncRunPlan,
                         report: SyncRunReport) -> None:
        """Freeze the rest of a frozen plan while sending its parts, then move the baseline;
        counts add up across an interrupted plan and the fresh one that follows it."""
        frozen = asyncio.Event()
        builder = PlanBuilder(self.source, self.state, self.state, plan, on_part=frozen.set)
        sender = PlanSender(self.source, self.target, self.state, definition, plan, report)
        await sender.send(asyncio.create_task(builder.build()), frozen)
        counts = sender.counts
        waiting = counts.waiting(plan)
        report.list_size = len(plan.current)
        report.constituents_added += len(plan.added - waiting)
        report.constituents_removed += len(plan.removed)
        report.waiting = len(waiting)
        report.count_plan(counts, sender.purposes)
        await self._commit(plan, counts)

    async def _commit(self, plan: SyncRunPlan, counts: PlanCounts) -> None:
        if plan.new_owners:
            await self._db(self.state.record_sync_batch, plan.sync_id, plan.run_id,
                           SyncBatchRecord(batch_no=-1, tagged=[
                               (a, c) for a, owners in plan.new_owners.items() for c in owners]))
        stale_rejections = [c for _, c, _ in await self._db(self.state.sync_rejected, plan.sync_id)
                            if c not in plan.current]
        synced = plan.current - counts.waiting(plan)
        await self._db(
            self.state.finish_sync_plan, plan.sync_id, plan.run_id,
            SyncBaseline(plan.sync_id, dump_bitmap(synced), plan.audit_until,
                         tag_id=plan.tag_id),
            list(plan.removed), stale_rejections)

    #: State calls run on the loop's one state thread: a PostgreSQL round trip never
    #: blocks the event loop (and so the requests in flight).
    _db = staticmethod(in_state_thread)


def trusted(baseline: SyncBaseline | None, definition: SyncDefinition
            ) -> SyncBaseline | None:
    """The baseline, unless it was confirmed against another tag than the sync's now (deleted
    and made again: nobody carries the new one), when the run starts from none and tags every
    member again. One kept before tag ids were is trusted (no full resync on upgrade)."""
    if baseline and baseline.tag_id and baseline.tag_id != definition.tag_id:
        return None
    return baseline


def other_tag(found: SyncBaseline | None, kept: SyncBaseline | None) -> str | None:
    """The line saying why a run starts from an empty baseline, when ``trusted`` set the one
    ``found`` aside."""
    if found is None or kept is not None:
        return None
    return (f"its tag is not the one the last run confirmed (tag id {found.tag_id}, made "
            "again since?): every member is tagged again")


def failure_message(exc: CallboardError, definition: SyncDefinition) -> str:
    """Why a run failed and, when a service's errors (5xx, 429) outlasted the retries, what
    to do: nothing is lost, so running it again is safe. The other errors say what to do."""
    if isinstance(exc, ProviderError) and exc.status and (exc.status == 429
                                                          or exc.status >= 500):
        return (f"{exc}; nothing is lost: its next run finishes the work (or run 'callboard "
                f"sync run {definition.name}' once the service answers)")
    return str(exc)


def _movers(changes: list[AuditChange], delta: DataSyncDelta, resync: BitMap) -> BitMap:
    """Listed constituents whose email addresses changed (audited), and not re-synced.

    Seed 003 never re-imports for an email change, but a listed constituent who now holds an
    address this sync tagged must keep that tag when its first owner leaves."""
    changed = BitMap(c.constituent_id for c in changes if c.table.upper() == "T_EADDRESS")
    return (changed & delta.kept) - resync
