"""Making a plan: refresh live state, resolve references, diff, check safety."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from engine.errors import ManifestError, ManifestErrors
from engine.kinds import FieldProblem, LiveObject, ReferenceContext, ReferenceRow, ResourceSpec
from engine.live_index import LiveIndex
from engine.manifests.files import manifest_digest
from engine.manifests.loader import ManifestSet, duplicate_key
from engine.plan.diff import diff, field_diffs, order_changes, targeted
from engine.plan.impact import add_impact
from engine.plan.key_collisions import refuse_key_collisions
from engine.plan.model import Change, Plan, PlanWarning, fingerprint
from engine.plan.renames import (
    lookalike_renames,
    lookalike_warning,
    refuse_unmoved_renames,
    rename_conflicts,
)
from engine.plan.still_named import refuse_deleting_named
from engine.plan.targets import target_dependencies, targeting_warning
from engine.providers import KindRegistry
from engine.resources import Origin, Resource, address
from engine.rules import RuleContext, check_rules
from engine.session import Session
from engine.state.base import ResourceRecord, StateStore


class _References(ReferenceContext):
    """The planner's answers to handlers resolving one resource after another."""

    def __init__(self, desired: dict[str, Resource], live: dict[str, list[LiveObject]],
                 session: Session, manifests: ManifestSet) -> None:
        self.resolved, self.live, self.session, self.manifests = desired, live, session, manifests
        self.resource: Resource | None = None
        self.warnings: list[PlanWarning] = []

    def desired(self, kind: str, name: str) -> ResourceSpec | None:
        found = self.resolved.get(address(kind, name))
        return found.spec if found else None

    async def live_objects(self, kind: str) -> list[LiveObject]:
        if kind not in self.live:
            self.live[kind] = await self.session.live_objects(kind)
        return self.live[kind]

    async def reference(self, table: str) -> list[ReferenceRow]:
        return await self.session.reference(table)

    def managed_names(self, kind: str) -> list[str]:
        return sorted(r.name for r in self.manifests.of_kind(kind))

    def warn(self, field: str | None, message: str) -> None:
        resource = self.resource
        origin = (resource.origin_of(field) if field else resource.origin) if resource else None
        self.warnings.append(PlanWarning(message, resource.address if resource else None,
                                         str(origin) if origin else None))


async def resolve_desired(session: Session, manifests: ManifestSet,
                          live: dict[str, list[LiveObject]]
                          ) -> tuple[dict[str, Resource], list[PlanWarning]]:
    """Declared resources as the live objects will hold them, resolved kind by kind in
    dependency order (a kind's handler may look at the kinds it depends on), each checked by
    its kind's seed rules.

    Rule violations come back together, each with file:line.
    """
    desired: dict[str, Resource] = {}
    refs = _References(desired, live, session, manifests)
    errors: list[ManifestError] = []
    for kind in session.registry.order():
        seen: dict[str, Resource] = {}
        for resource in sorted(manifests.of_kind(kind), key=lambda r: r.name):
            refs.resource = resource
            handler = session.handler(kind)
            try:
                resolved = resource.resolved(await handler.resolve(resource.spec, refs))
                await check_rules(session.registry.rules(kind), resolved.spec,
                                  RuleContext(refs, handler, session.context.env))
            except FieldProblem as exc:
                errors.append(_field_error(resource, exc))
                continue
            key = session.registry[kind].key(resolved.spec)
            first = seen.get(key.casefold())  # "VIP" and "vip" are one object to Prospect2
            if first is not None:
                errors.append(duplicate_key(resource, first, key))
                continue
            seen[key.casefold()] = desired[resource.address] = resolved
    if errors:
        raise ManifestErrors(errors)
    return desired, refs.warnings


async def check_account_rules(session: Session, manifests: ManifestSet) -> None:
    """Only the account-wide rules (``Rule.account_wide``), on each declared resource as
    written: what ``drift`` checks before it compares, refusing with plan's own messages."""
    refs = _References({}, {}, session, manifests)
    errors: list[ManifestError] = []
    for kind in session.registry.order():
        rules = [rule for rule in session.registry.rules(kind) if rule.account_wide]
        for resource in sorted(manifests.of_kind(kind) if rules else [], key=lambda r: r.name):
            refs.resource = resource
            try:
                await check_rules(rules, resource.spec,
                                  RuleContext(refs, session.handler(kind), session.context.env))
            except FieldProblem as exc:
                errors.append(_field_error(resource, exc))
    if errors:
        raise ManifestErrors(errors)


def _field_error(resource: Resource, problem: FieldProblem) -> ManifestError:
    if not problem.field:
        return _located(problem.message, resource.origin, resource.address)
    return _located(problem.message, resource.origin_of(problem.field),
                    f"{resource.address}.{problem.field}")


def _located(message: str, origin: Origin | None, field: str | None = None) -> ManifestError:
    return ManifestError(message, file=origin.file if origin else None,
                         line=origin.line if origin else None, field=field)


def scope_kinds(manifests: ManifestSet, state: dict[str, ResourceRecord]) -> set[str]:
    """The kinds a plan may touch: declared ones and ones Callboard still manages."""
    return manifests.kinds() | {r.kind for r in state.values()}


async def make_plan(session: Session, manifests: ManifestSet, state: StateStore, *,
                    targets: list[str] | None = None, refresh_only: bool = False) -> Plan:
    records = await asyncio.to_thread(state.resources)  # off the event loop: state may be remote
    kinds = {k for k in scope_kinds(manifests, records) if k in session.registry}
    await session.check(kinds)
    live = await session.read_live(kinds)
    header = await asyncio.to_thread(state.header)
    plan = Plan(id=str(uuid.uuid4()), created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                lineage=header.lineage, state_serial=header.serial, managed_count=len(records),
                max_delete_fraction=manifests.settings.safety.max_delete_fraction,
                min_managed=manifests.settings.safety.min_managed,
                refresh_only=refresh_only, targets=list(targets or []),
                manifests=str(manifests.directory),
                manifest_digest=manifest_digest(manifests.directory),
                secret_fields={k: sorted(session.registry[k].secret_fields) for k in sorted(kinds)
                               if session.registry[k].secret_fields},
                services=session.endpoints(kinds))
    if refresh_only:
        plan.changes = refresh_changes(live, records, session.registry.order())
        return plan
    await plan_changes(session, manifests, live, records, plan)
    await add_impact(session, plan, live, state)
    plan.estimates = estimate_calls(session, plan)
    return plan


async def plan_changes(session: Session, manifests: ManifestSet,
                       live: dict[str, list[LiveObject]], records: dict[str, ResourceRecord],
                       plan: Plan) -> None:
    """``plan``'s changes and warnings, or the plan's refusal (a rule, a rename without
    ``moved``, a delete of what something still names, a key collision, a missing add-on):
    what ``validate --online`` checks too, so a PR check refuses what plan would."""
    desired, plan.warnings = await resolve_desired(session, manifests, live)
    plan.changes = planned_changes(session.registry, manifests, desired, live, records, plan)
    await require_add_ons(session, plan.changes)


async def require_add_ons(session: Session, changes: list[Change]) -> None:
    """Refuse a plan whose changes write through an add-on a service lacks (Tessitura's
    procedure pack), naming what to install, before anything changes."""
    needing = [c for c in changes if c.action not in ("delete", "adopt", "move")
               and session.handler(c.kind).writes_need_add_on]
    if needing:
        more = f" and {len(needing) - 1} more" if len(needing) > 1 else ""
        await session.require_add_ons(f"{needing[0].address}{more}", {
            session.registry.provider_of[c.kind] for c in needing})


def planned_changes(registry: KindRegistry, manifests: ManifestSet,
                    desired: dict[str, Resource], live: dict[str, list[LiveObject]],
                    records: dict[str, ResourceRecord], plan: Plan) -> list[Change]:
    """The diff, with ``moved`` entries, limited to the targets and what they depend on;
    refused when it would create and destroy one object under two names, warned when the
    two objects only look the same (``Kind.same_object_fields``)."""
    everything = diff(registry.kinds, registry.order(), desired, live, records,
                      moves=manifests.moves)
    changes = narrow_to_targets(plan, everything, manifests, registry) if plan.targets \
        else everything
    index = LiveIndex(live)
    pairs = rename_conflicts(everything, registry.kinds, index)
    shown = {id(c) for c in changes}
    refuse_unmoved_renames([p for p in pairs if id(p[0]) in shown or id(p[1]) in shown],
                           registry.kinds)
    staying = {a: r for a, r in records.items()  # a moved entry's old address is not one
               if a not in {m.source for m in manifests.moves}}
    refuse_deleting_named(changes, registry.kinds, desired, manifests.resources, staying, index)
    refuse_key_collisions(changes, registry.kinds, desired, manifests.resources, records, index)
    plan.warnings.extend(
        lookalike_warning(created, deleted, shared, registry.kinds[created.kind])
        for created, deleted, shared in lookalike_renames(everything, registry.kinds, index)
        if id(created) in shown or id(deleted) in shown)
    return changes


def narrow_to_targets(plan: Plan, changes: list[Change], manifests: ManifestSet,
                      registry: KindRegistry) -> list[Change]:
    """``--target``: the changes of the targets and what they depend on (listed in the plan),
    their warnings only, and Terraform's warning that the plan is partial."""
    plan.target_dependencies = target_dependencies(plan.targets, manifests.resources,
                                                   registry.kinds)
    covered = [*plan.targets, *plan.target_dependencies]
    plan.warnings = [w for w in plan.warnings if w.address is None or any(
        t in (w.address, w.address.partition(".")[0]) for t in covered)]
    plan.warnings.append(targeting_warning(plan.targets, plan.target_dependencies))
    kept = {c.address for c in changes if targeted(c, covered)}
    # a re-write that follows a targeted replace goes with it (else it keeps a deleted id)
    return [c for c in changes if c.address in kept or kept.intersection(c.follows)]


def estimate_calls(session: Session, plan: Plan) -> dict[str, dict[str, float]]:
    """API calls apply will make per service, and the time they take at its rate limit."""
    out: dict[str, dict[str, float]] = {}
    for change in plan.changes:
        provider = session.registry.provider_of[change.kind]
        calls = (0 if change.action == "move"  # only state changes
                 else session.handler(change.kind).estimated_calls_for(
                     change.action, change.before, change.after))
        entry = out.setdefault(provider, {"calls": 0, "seconds": 0.0})
        entry["calls"] += calls
    for provider, entry in out.items():
        rate = session.provider(provider).rate_per_second
        entry["seconds"] = round(entry["calls"] / rate, 1) if rate else 0.0
    return out


def refresh_changes(live: dict[str, list[LiveObject]], records: dict[str, ResourceRecord],
                    order: list[str]) -> list[Change]:
    """State-only changes that record what is live now (``plan --refresh-only``)."""
    index = LiveIndex(live)
    changes: list[Change] = []
    for addr, record in records.items():
        obj = index.by_id(record.kind, record.remote_id)
        if obj is None:
            changes.append(Change(action="delete", address=addr, kind=record.kind,
                                  name=record.name, remote_id=record.remote_id,
                                  before=record.fields, notes=["deleted outside Callboard; "
                                                               "forget it in state"]))
            continue
        diffs = field_diffs(record.fields, obj.fields, [])
        if diffs:
            changes.append(Change(action="update", address=addr, kind=record.kind,
                                  name=record.name, remote_id=record.remote_id,
                                  before=record.fields, after=obj.fields, diffs=diffs,
                                  fingerprint=fingerprint(obj.fields, obj.version),
                                  notes=["changed outside Callboard; record the live value"]))
    return order_changes(changes, order)
