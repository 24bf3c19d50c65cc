"""Carrying out a plan: exactly its changes, in order, recording each in state as it finishes.

A saved plan is refused when the state moved on or a planned live object changed since it was
made. Each finished change is journaled under the plan's id, so running the same plan again
after a failure skips what was done and finishes the rest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from engine import __version__
from engine.errors import CallboardError, StalePlan
from engine.kinds import LiveObject, ReferenceContext, ReferenceRow
from engine.plan.diff import field_diffs
from engine.plan.model import Change, Plan, fingerprint
from engine.session import Session
from engine.state.base import ResourceRecord, StateStore

log = logging.getLogger(__name__)

#: (change, event, detail): event is "start", "done", "skip" or "error".
ApplyListener = Callable[[Change, str, str], None]


class _ApplyReferences(ReferenceContext):
    """References as they stand while applying: fresh reads, the plan's desired fields."""

    def __init__(self, session: Session, plan: Plan) -> None:
        self.session = session
        self.after = {c.address: c.after for c in plan.changes if c.after is not None}

    def desired_fields(self, kind: str, name: str) -> dict[str, Any] | None:
        return self.after.get(f"{kind}.{name}")

    def live_by_key(self, kind: str, key: str) -> LiveObject | None:
        return None

    async def live_objects(self, kind: str) -> list[LiveObject]:
        return await self.session.live_objects(kind)

    async def reference(self, table: str) -> list[ReferenceRow]:
        return await self.session.reference(table)

    def warn(self, field: str | None, message: str) -> None:
        log.warning("apply: %s", message)

    def managed_names(self, kind: str) -> list[str]:
        return sorted(a.split(".", 1)[1] for a in self.after if a.split(".", 1)[0] == kind)


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


def check_state_matches(plan: Plan, state: StateStore) -> None:
    header = state.header()
    if plan.lineage != header.lineage:
        raise StalePlan(f"plan {plan.id} was made against another state (lineage "
                          f"{plan.lineage}, this state is {header.lineage}): make a new plan")
    resuming = header.applying_plan == plan.id
    if plan.state_serial != header.serial and not resuming:
        raise StalePlan(f"plan is stale: it was made at state serial {plan.state_serial}, and "
                          f"the state is now at serial {header.serial}: make a new plan")


def check_live_matches(plan: Plan, live: dict[str, list[LiveObject]], done: set[str],
                       session: Session, resuming: bool) -> None:
    """Refuse when a planned object changed (or appeared) live since planning."""
    by_id = {(k, o.remote_id): o for k, objs in live.items() for o in objs}
    keys = {(k, o.key) for k, objs in live.items() for o in objs}
    problems: list[str] = []
    for change in plan.changes:
        if change.address in done or plan.refresh_only:
            continue
        if change.action == "create" and not resuming:
            key = session.registry[change.kind].key(change.after or {})
            if (change.kind, key) in keys:
                problems.append(f"{change.address}: a {change.kind} object {key!r} was created "
                                "since the plan was made")
        if change.remote_id is None:
            continue
        current = by_id.get((change.kind, change.remote_id))
        if change.fingerprint is None:
            continue
        if resuming and (change.action in ("delete", "replace") or (
                current is not None and not field_diffs(current.fields, change.after or {}, []))):
            continue  # the interrupted run of this very plan got that far
        if current is None:
            problems.append(f"{change.address} (id {change.remote_id}) was deleted since the "
                            "plan was made")
        elif fingerprint(current.fields, current.version) != change.fingerprint:
            changed = [d.field for d in field_diffs(change.before or {}, current.fields, [])]
            detail = f"field {', '.join(changed)}" if changed else "its version"
            problems.append(f"{change.address} (id {change.remote_id}) changed since the plan "
                            f"was made: {detail}")
    if problems:
        raise StalePlan("saved plan refused: " + "; ".join(problems) + ". Make a new plan.")


async def apply_plan(session: Session, plan: Plan, state: StateStore, *, saved: bool,
                     parallelism: int = 4, force: bool = False,
                     listener: ApplyListener | None = None) -> ApplyResult:
    plan.raise_if_unsafe(force)
    notify = listener or (lambda change, event, detail: None)
    if saved and plan.changes and state.header().last_applied_plan == plan.id:
        return ApplyResult(already_applied=True)
    if saved:
        check_state_matches(plan, state)
    done = state.journal(plan.id)
    kinds = {c.kind for c in plan.changes}
    live = await session.read_live(kinds) if kinds else {}
    if saved:
        resuming = state.header().applying_plan == plan.id
        check_live_matches(plan, live, done, session, resuming)
    by_id = {(k, o.remote_id): o for k, objs in live.items() for o in objs}
    claimed = {(r.kind, r.remote_id) for r in state.resources().values()}
    by_key = {(k, o.key): o for k, objs in live.items() for o in objs
              if (k, o.remote_id) not in claimed}
    result = ApplyResult()
    if not plan.changes:
        return result
    state.begin_apply(plan.id)
    limit = asyncio.Semaphore(max(1, parallelism))
    refs = _ApplyReferences(session, plan)
    errors: list[str] = []

    async def run(change: Change) -> None:
        if change.address in done:
            result.skipped.append(change.address)
            notify(change, "skip", "already applied by an earlier run of this plan")
            return
        async with limit:
            notify(change, "start", "")
            try:
                detail = await _apply_one(session, plan, state, change, by_id, by_key, refs)
            except CallboardError as exc:
                errors.append(f"{change.address}: {exc}")
                notify(change, "error", str(exc))
                return
        state.mark_done(plan.id, change.address)
        result.done.append(change.address)
        log.info("apply: %s %s", change.action, change.address)
        notify(change, "done", detail)

    groups = groupby(plan.changes, key=lambda c: (c.action == "delete", c.kind))
    for _, group in groups:
        await asyncio.gather(*(run(c) for c in group))
        session.forget_reads()  # later kinds may look up what this group just created
        if errors:
            break
    if errors:
        raise ApplyFailed(f"{len(errors)} change(s) failed; {len(result.done)} finished and are "
                          "recorded in state. Fix the cause and run the same apply again to "
                          "finish:\n  " + "\n  ".join(errors))
    state.finish_apply(plan.id)
    return result


def _record(change: Change, obj: LiveObject) -> ResourceRecord:
    return ResourceRecord(address=change.address, kind=change.kind, name=change.name,
                          remote_id=obj.remote_id, fields=obj.fields,
                          prevent_destroy=change.prevent_destroy)


async def _apply_one(session: Session, plan: Plan, state: StateStore, change: Change,
                     by_id: dict[tuple[str, str], LiveObject],
                     by_key: dict[tuple[str, str], LiveObject], refs: ReferenceContext) -> str:
    current = by_id.get((change.kind, change.remote_id)) if change.remote_id else None
    if plan.refresh_only:
        if change.action == "delete" or current is None:
            state.remove(change.address)
            return "forgotten in state"
        state.put(_record(change, current))
        return "state updated from live"
    handler = session.handler(change.kind)
    planned = change.after or {}
    after = await handler.write_ready(dict(planned), refs) if planned else {}
    if change.action == "create":
        # An earlier, interrupted run may have created it without recording it: take it over.
        existing = by_key.get((change.kind, session.registry[change.kind].key(planned)))
        if existing is not None:
            obj = existing
            if field_diffs(existing.fields, planned, []):
                obj = await handler.update(existing, after)
            state.put(_record(change, obj))
            return f"created (found id {obj.remote_id} from an earlier run)"
        obj = await handler.create(after)
        state.put(_record(change, obj))
        return f"created (id {obj.remote_id})"
    if change.action == "adopt":
        if current is None:
            raise CallboardError(f"{change.kind} object {change.remote_id} is gone")
        state.put(_record(change, current))
        return f"adopted (id {current.remote_id})"
    if change.action == "update":
        if current is None:
            raise CallboardError(f"{change.kind} object {change.remote_id} is gone; plan again")
        obj = await handler.update(current, after)
        state.put(_record(change, obj))
        return f"updated (id {obj.remote_id})"
    if change.action == "replace":
        kind = session.registry[change.kind]
        # A run interrupted part-way may have made the new object already: recorded in state
        # (its id differs from the planned old one), or made but unrecorded (found by key).
        record = state.get(change.address)
        made = by_id.get((change.kind, record.remote_id)) if (
            record and record.remote_id != change.remote_id) else None
        made = made or by_key.get((change.kind, kind.key(planned)))
        if kind.create_before_destroy:
            obj = made or await handler.create(after)
            state.put(_record(change, obj))
            if current is not None:
                await handler.delete(current)
        else:
            if current is not None:
                await handler.delete(current)
            obj = made or await handler.create(after)
            state.put(_record(change, obj))
        return f"replaced (new id {obj.remote_id})"
    if current is not None:
        await handler.delete(current)
    state.remove(change.address)
    return "deleted"
