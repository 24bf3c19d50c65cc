"""Carrying out a plan: exactly its changes, in order, recording each in state as it finishes.

A saved plan is refused when the state moved on or a planned live object changed since it was
made. Each finished change is journaled under the plan's id, so running the same plan again
after a failure skips what was done and finishes the rest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from itertools import groupby

from engine import __version__, interrupts
from engine.errors import CallboardError, StalePlan
from engine.interrupts import Interrupted
from engine.kinds import FieldProblem, LiveObject, ResourceSpec
from engine.live_index import LiveIndex
from engine.plan.diff import field_diffs
from engine.plan.model import Change, Plan, fingerprint
from engine.plan.planner import require_add_ons
from engine.providers import KindRegistry
from engine.references import resolve_pending, with_ids
from engine.session import Session
from engine.state.base import ResourceRecord, StateHeader, StateStore
from engine.sync.run_log import mark_activations
from engine.words import plural, verb

log = logging.getLogger(__name__)

#: (change, event, detail): event is "start", "done", "skip" or "error".
ApplyListener = Callable[[Change, str, str], None]


class ApplyFailed(CallboardError):
    """Some changes failed; the ones that finished are recorded, so re-running finishes."""


@dataclass
class ApplyResult:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: The saved plan had been applied completely before (a re-run pipeline job).
    already_applied: bool = False


def check_made_from(plan: Plan, digest: str) -> None:
    """Refuse a plan made by another Callboard or from other manifests than the working tree's
    (another merge landed since, or the wrong checkout): applying it would drop that change."""
    if plan.callboard_version != __version__:
        raise StalePlan(f"plan {plan.id} was made by Callboard {plan.callboard_version}; this is "
                        f"Callboard {__version__}: make a new plan with this version")
    if plan.manifest_digest != digest:
        recorded = f"{plan.manifest_digest[:12]}…" if plan.manifest_digest else "none recorded"
        raise StalePlan(f"plan {plan.id} was made from other manifests than the ones in "
                        f"{plan.manifests or 'the manifest directory'} now (digest {recorded}, "
                        f"the working tree's is {digest[:12]}…): "
                        "the manifests or callboard.yaml changed since it was planned; make a "
                        "new plan")


def check_services_match(plan: Plan, endpoint: Callable[[str], str | None]) -> None:
    """Refuse a plan made against other services: its ids and references are theirs (a plan
    made with --sandbox, applied with the organization's variables set, or the reverse).
    ``endpoint(provider)`` is where this run would talk to it (None: not set, so no write)."""
    now = {name: endpoint(name) for name in plan.services}
    moved = sorted(name for name, url in plan.services.items() if now[name] not in (None, url))
    if moved:
        made = ", ".join(f"{name} at {plan.services[name]}" for name in moved)
        here = ", ".join(f"{name} at {now[name]}" for name in moved)
        raise StalePlan(f"plan {plan.id} was made against other services ({made}), and this "
                        f"apply talks to {here}: apply it where it was made (with --sandbox if "
                        "it was planned with --sandbox), or make a new plan here")


def check_state_matches(plan: Plan, state: StateStore) -> None:
    """A plan made where no state existed yet (no lineage) fits one nobody changed since."""
    header = state.header()
    if plan.lineage and plan.lineage != header.lineage:
        since = f", after '{header.last_change}'" if header.last_change else ""
        raise StalePlan(f"plan {plan.id} was made against another state (lineage "
                        f"{plan.lineage}, this state is {header.lineage}{since}): make a new plan")
    resuming = header.applying_plan == plan.id
    if plan.state_serial != header.serial and not resuming:
        raise StalePlan(f"plan is stale: it was made at state serial {plan.state_serial}, and "
                        f"{moved_since(header, plan.state_serial)}: make a new plan")


def moved_since(header: StateHeader, serial: int) -> str:
    """How the state moved on from ``serial``: its last change's words, and how many."""
    what = f"'{header.last_change}'" if header.last_change else "a change"
    many = f"{header.serial - serial} changes, the last " if header.serial - serial > 1 else ""
    return f"the state is now at serial {header.serial} after {many}{what}"


def check_live_matches(plan: Plan, index: LiveIndex, done: set[str], registry: KindRegistry,
                       resuming: bool) -> None:
    """Refuse when a planned object changed (or appeared) live since planning."""
    if plan.refresh_only:
        return
    made = done | _replaces_begun(plan, index) if resuming else done
    problems = [problem for change in plan.changes if change.address not in done
                for problem in _stale(change, index, registry, resuming, made)]
    if problems:
        raise StalePlan("saved plan refused: " + "; ".join(problems) + ". Make a new plan.")


def _replaces_begun(plan: Plan, index: LiveIndex) -> set[str]:
    """Replaces the interrupted run got part-way through: their old object is gone (its delete
    ran, the create did not), and the objects that follow them changed with it."""
    return {c.address for c in plan.changes
            if c.action == "replace" and index.by_id(c.kind, c.remote_id) is None}


def _stale(change: Change, index: LiveIndex, registry: KindRegistry,
           resuming: bool, made: set[str]) -> list[str]:
    """Why ``change`` no longer fits the live object it was planned against (``made``: the
    changes an interrupted run of this plan finished, or began replacing)."""
    problems = _created_since(change, index, registry) if not resuming else []
    if change.remote_id is None or change.fingerprint is None:
        return problems
    current = index.by_id(change.kind, change.remote_id)
    if resuming and (_done_by_interrupted_run(change, current)
                     or (change.follows and made.issuperset(change.follows))):
        return problems  # (a follower's object changed as the replaces it follows ran)
    if current is None:
        problems.append(f"{change.address} (id {change.remote_id}) was deleted since the "
                        "plan was made")
    elif fingerprint(current.fields, current.version) != change.fingerprint:
        changed = [d.field for d in field_diffs(change.before or {}, current.fields, [])]
        detail = f"field {', '.join(changed)}" if changed else "its version"
        problems.append(f"{change.address} (id {change.remote_id}) changed since the plan "
                        f"was made: {detail}")
    return problems


def _created_since(change: Change, index: LiveIndex, registry: KindRegistry) -> list[str]:
    """A create whose object someone made by hand since the plan: applying it would fail, or
    make a second one."""
    if change.action != "create":
        return []
    kind = registry[change.kind]
    key = kind.key(kind.planned(change.after or {}))
    if not index.with_key(change.kind, key):
        return []
    return [f"{change.address}: a {change.kind} object {key!r} was created since the plan "
            "was made"]


def _done_by_interrupted_run(change: Change, current: LiveObject | None) -> bool:
    """The interrupted run of this very plan got that far: its delete or replace began, or
    the object already holds what the plan writes."""
    if change.action in ("delete", "replace"):
        return True
    return current is not None and not field_diffs(current.fields, change.after or {}, [])


async def apply_plan(session: Session, plan: Plan, state: StateStore, *, saved: bool,
                     parallelism: int = 4, force: bool = False,
                     listener: ApplyListener | None = None) -> ApplyResult:
    plan.raise_if_unsafe(force)
    # State calls run in a worker thread: a PostgreSQL round trip never blocks the event loop.
    header = await asyncio.to_thread(state.header)
    if saved and plan.changes and header.last_applied_plan == plan.id:
        return ApplyResult(already_applied=True)
    if saved:
        check_services_match(plan, session.endpoint)
        await asyncio.to_thread(check_state_matches, plan, state)
    done = await asyncio.to_thread(state.journal, plan.id)
    kinds = {c.kind for c in plan.changes}
    live = await session.read_live(kinds) if kinds else {}
    index = LiveIndex(live, (await asyncio.to_thread(state.resources)).values())
    resuming = header.applying_plan == plan.id
    if saved:
        check_live_matches(plan, index, done, session.registry, resuming)
    if not plan.changes:
        return ApplyResult()
    if saved:  # the add-on may have gone since the plan was made
        await require_add_ons(session, [c for c in plan.changes if c.address not in done])
    # A sync created or switched on first runs at its next scheduled time (sync run --due).
    applier = PlanApplier(session, plan, state, index, parallelism,
                          mark_activations(state, listener), resuming=resuming)
    return await applier.run(done)


class PlanApplier:
    """Carries out one plan: its groups in order, each change by its action (octoDNS's
    ``_apply_Create`` / ``_apply_Update`` / ``_apply_Delete``), recording each as it ends."""

    def __init__(self, session: Session, plan: Plan, state: StateStore, index: LiveIndex,
                 parallelism: int, listener: ApplyListener | None, *,
                 resuming: bool = False) -> None:
        self.session, self.plan, self.state, self.index = session, plan, state, index
        #: An interrupted run of this plan came first: what it made may be in state already.
        self.resuming = resuming
        self.limit = asyncio.Semaphore(max(1, parallelism))
        self.notify: ApplyListener = listener or (lambda change, event, detail: None)
        self.result = ApplyResult()
        self.errors: list[str] = []
        #: What each create, update or replace of the current group writes (or why it can't).
        self.planned: dict[str, ResourceSpec | CallboardError] = {}

    async def run(self, done: set[str]) -> ApplyResult:
        await asyncio.to_thread(self.state.begin_apply, self.plan.id)
        with interrupts.writing():
            try:
                await self._groups(done)
            except asyncio.CancelledError:
                if not interrupts.stopped_at_once():
                    raise
                raise Interrupted(self._finished()) from None
        if self.errors:
            failed, done = len(self.errors), len(self.result.done)
            waiting = self._left() - failed  # in groups that never started
            raise ApplyFailed(
                f"{plural(failed, 'change')} failed"
                + (f" and {plural(waiting, 'change')} {verb(waiting, 'was', 'were')} not started"
                   if waiting else "")
                + f"; {done} finished and {verb(done, 'is', 'are')} recorded in state. Fix the "
                "cause and run the same apply again to finish:\n  " + "\n  ".join(self.errors))
        if interrupts.stop_requested() and self._left():
            raise Interrupted(self._finished())
        await asyncio.to_thread(self.state.finish_apply, self.plan.id)
        return self.result

    async def _groups(self, done: set[str]) -> None:
        groups = groupby(self.plan.changes, key=lambda c: (c.action == "delete", c.kind))
        for _, grouped in groups:
            group = [c for c in grouped]
            await self._prepare([c for c in group if c.address not in done])
            await asyncio.gather(*(self._run_one(c, done) for c in group))
            self.session.forget_reads()  # later kinds may look up what this group just created
            if self.errors or interrupts.stop_requested():
                return

    def _left(self) -> int:
        """Changes neither applied by this run nor found done by an earlier one."""
        return len(self.plan.changes) - len(self.result.done) - len(self.result.skipped)

    def _finished(self) -> str:
        """What an interrupted apply completed (each is recorded in state and the journal)."""
        done, total, earlier = len(self.result.done), len(self.plan.changes), self.result.skipped
        return (f"{done} of {total} change{'s' if total != 1 else ''} applied and recorded in "
                f"state" + (f", {len(earlier)} done by an earlier run" if earlier else "")
                + f"; {self._left()} still to do")

    async def _run_one(self, change: Change, done: set[str]) -> None:
        if change.address in done:
            self.result.skipped.append(change.address)
            self.notify(change, "skip", "already applied by an earlier run of this plan")
            return
        async with self.limit:
            if interrupts.stop_requested():
                return  # not started: running the same command again does it
            self.notify(change, "start", "")
            try:
                detail = await self.apply(change)
            except CallboardError as exc:
                self.errors.append(f"{change.address}: {exc}")
                self.notify(change, "error", str(exc))
                return
        await asyncio.to_thread(self.state.mark_done, self.plan.id, change.address)
        self.result.done.append(change.address)
        log.info("apply: %s %s", change.action, change.address)
        # Off the event loop: a listener may record in state (a sync's activation mark).
        await asyncio.to_thread(self.notify, change, "done", detail)

    async def apply(self, change: Change) -> str:
        """One change; what happened, in a few words."""
        if self.plan.refresh_only:
            return await self._apply_refresh(change)
        if change.moved_from:
            await asyncio.to_thread(self._move_state, change)
        action: Callable[[Change], Awaitable[str]] = getattr(self, f"_apply_{change.action}")
        return await action(change)

    async def _apply_move(self, change: Change) -> str:
        return f"moved from {change.moved_from} in state (no API call)"

    def _move_state(self, change: Change) -> None:
        """Hand the old address's state entry to the new one (a ``moved`` entry). The new
        entry is written before the old one goes, so an interrupted run never loses it; the
        next run finds the new one and finishes."""
        assert change.moved_from is not None
        old, new = self.state.get(change.moved_from), self.state.get(change.address)
        if old is None:
            if new is not None:  # moved by an interrupted run of this plan
                return
            raise CallboardError(f"{change.moved_from} is no longer in state; plan again")
        if new is None:
            self.state.put(ResourceRecord(
                address=change.address, kind=old.kind, name=change.name,
                remote_id=old.remote_id, fields=old.fields,
                prevent_destroy=change.prevent_destroy))
        elif new.remote_id != old.remote_id:
            raise CallboardError(f"state manages both {change.moved_from} and {change.address} "
                                 "(another object); plan again")
        self.state.remove(change.moved_from)

    async def _apply_create(self, change: Change) -> str:
        handler = self.session.handler(change.kind)
        planned = await self._planned(change)
        # An earlier, interrupted run (or someone, by hand) may have made it since the plan,
        # recorded or not: take it over. (A first run reads no state here, so a group's
        # creates start in plan order.)
        existing = self.index.unclaimed_by_key(change.kind, self._key(change, planned))
        if existing is None and self.resuming:
            existing = await self._made_by_interrupted_run(change, planned)
        if existing is not None:
            obj = existing
            if field_diffs(existing.fields, change.after or {}, []):
                obj = await handler.update(existing, planned)
            await self._record(change, obj)
            return f"created (took over id {obj.remote_id}, made since the plan)"
        obj = await handler.create(planned)
        await self._record(change, obj)
        return f"created (id {obj.remote_id})"

    async def _apply_adopt(self, change: Change) -> str:
        current = self._current(change)
        if current is None:
            raise CallboardError(f"{change.kind} object {change.remote_id} is gone")
        await self._record(change, current)
        return f"adopted (id {current.remote_id})"

    async def _apply_update(self, change: Change) -> str:
        planned = await self._planned(change)
        current = self._current(change)
        if current is None:
            raise CallboardError(f"{change.kind} object {change.remote_id} is gone; plan again")
        obj = await self.session.handler(change.kind).update(current, planned)
        await self._record(change, obj)
        return f"updated (id {obj.remote_id})"

    async def _apply_replace(self, change: Change) -> str:
        handler = self.session.handler(change.kind)
        planned = await self._planned(change)
        current = self._current(change)
        made = await self._made_by_interrupted_run(change, planned)
        if change.create_before_destroy:
            obj = made or await handler.create(planned)
            await self._record(change, obj)
            if current is not None:
                await handler.delete(current)
        else:
            if current is not None:
                await handler.delete(current)
            obj = made or await handler.create(planned)
            await self._record(change, obj)
        return f"replaced (new id {obj.remote_id})"

    async def _apply_delete(self, change: Change) -> str:
        current = self._current(change)
        if current is not None:
            await self.session.handler(change.kind).delete(current)
        await asyncio.to_thread(self.state.remove, change.address)
        return "deleted"

    async def _apply_refresh(self, change: Change) -> str:
        current = self._current(change)
        if change.action == "delete" or current is None:
            await asyncio.to_thread(self.state.remove, change.address)
            return "forgotten in state"
        await self._record(change, current)
        return "state updated from live"

    async def _made_by_interrupted_run(self, change: Change,
                                       planned: ResourceSpec) -> LiveObject | None:
        """The new object of a create or replace an interrupted run got part-way through:
        recorded in state (its id differs from the planned old one; a stop at once can land
        between recording it and journaling the change), or made but unrecorded (by key)."""
        record = await asyncio.to_thread(self.state.get, change.address)
        if record is not None and record.remote_id != change.remote_id:
            made = self.index.by_id(change.kind, record.remote_id)
            if made is not None:
                return made
        return self.index.unclaimed_by_key(change.kind, self._key(change, planned))

    def _current(self, change: Change) -> LiveObject | None:
        return self.index.by_id(change.kind, change.remote_id)

    def _key(self, change: Change, planned: ResourceSpec) -> str:
        return self.session.registry[change.kind].key(planned)

    async def _prepare(self, group: list[Change]) -> None:
        """What each change of a group writes, in the kind's model, before any of its writes
        start (so they start in plan order): the plan's fields with the reference ids it
        pinned; a reference to an object an earlier group created is looked up now
        (``forget_reads`` after each group makes that read fresh)."""
        self.planned.clear()
        for change in group:
            if self.plan.refresh_only or change.action not in ("create", "update", "replace"):
                continue
            kind = self.session.registry[change.kind]
            planned = with_ids(kind.planned(change.after or {}), change.ref_ids)
            try:
                self.planned[change.address] = await resolve_pending(planned,
                                                                     self.session.reference)
            except FieldProblem as problem:
                self.planned[change.address] = CallboardError(str(problem))
            except CallboardError as error:
                self.planned[change.address] = error

    async def _planned(self, change: Change) -> ResourceSpec:
        planned = self.planned[change.address]
        if isinstance(planned, CallboardError):
            raise planned
        return planned

    async def _record(self, change: Change, obj: LiveObject) -> None:
        await asyncio.to_thread(self.state.put, ResourceRecord(
            address=change.address, kind=change.kind, name=change.name,
            remote_id=obj.remote_id, fields=obj.fields, prevent_destroy=change.prevent_destroy))
