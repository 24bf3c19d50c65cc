"""Pure diffing of desired, live and state into ordered changes. No I/O here.

Identity: an address in state maps to a remote id; an address not in state adopts the one live
object of its kind with the same natural key that no other address claims (so declaring a tag
that already exists takes it over instead of failing on a duplicate name). Only the manifests'
kinds, and kinds still in state, are ever looked at: unmanaged objects are never touched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.kinds import Kind, LiveObject, ResourceSpec
from engine.live_index import LiveIndex
from engine.manifests.moved import Move
from engine.plan.model import Change, FieldDiff, fingerprint
from engine.plan.renames import moved_state
from engine.references import pinned_ids
from engine.resources import Resource
from engine.state.base import ResourceRecord


def field_diffs(live: Mapping[str, Any], desired: Mapping[str, Any],
                ignore: list[str]) -> list[FieldDiff]:
    """Differences between two objects written as plain data (state, a plan's fields)."""
    return [FieldDiff(name, live.get(name), value) for name, value in desired.items()
            if name not in ignore and live.get(name) != value]


def value_diffs(live: ResourceSpec, desired: ResourceSpec, ignore: list[str]) -> list[FieldDiff]:
    """Differences between a live and a declared object, compared in the kind's model (a
    reference by its row's id, a schedule by its form) and shown as plain data."""
    shown_live, shown_desired = live.plain(), desired.plain()
    return [FieldDiff(name, shown_live.get(name), shown_desired.get(name))
            for name in desired.field_names()
            if name not in ignore and getattr(live, name, None) != getattr(desired, name)]


def _compare(kind: Kind, want: Resource,
             obj: LiveObject) -> tuple[str | None, list[FieldDiff]]:
    diffs = value_diffs(obj.value, want.spec, want.ignore_changes)
    changed = {d.field for d in diffs}
    reason = None
    if changed & kind.replace_fields:
        # Whole objects: whether a change forces a replace may depend on other fields (a Data
        # Sync's tag only while it is enabled); ignored fields never force one.
        reason = kind.replace_reason(obj.value, want.spec)
        if reason not in changed:
            reason = None
    return reason, diffs


def diff(kinds: Mapping[str, Kind], order: list[str], desired: Mapping[str, Resource],
         live: Mapping[str, list[LiveObject]], state: Mapping[str, ResourceRecord],
         moves: Sequence[Move] = ()) -> list[Change]:
    """Changes that make live match desired, in the order they must be applied: one pass over
    the declared resources, one over the addresses in state that nothing declares any more.
    ``moves`` first hand renamed resources their old address's state entry. (``--target``
    narrows the result afterwards: ``targeted``.)"""
    state, moved = moved_state(state, moves, desired.keys())
    index = LiveIndex(live, state.values())
    changes = [change for want in desired.values()
               if (change := desired_change(kinds[want.kind], want, state.get(want.address),
                                            index, moved.get(want.address))) is not None]
    kept = {(r.kind, r.remote_id): a for a, r in state.items() if a in desired}
    changes += [orphan_change(kinds[record.kind], record, index, kept.get(
                    (record.kind, record.remote_id)))
                for addr, record in state.items() if addr not in desired and record.kind in kinds]
    changes += follower_changes(kinds, changes, desired, state, index)
    return order_changes(changes, order)


def follower_changes(kinds: Mapping[str, Kind], changes: list[Change],
                     desired: Mapping[str, Resource], state: Mapping[str, ResourceRecord],
                     index: LiveIndex) -> list[Change]:
    """Re-writes of declared objects that hold the id of an object the plan replaces (a Data
    Sync carrying a custom field whose type changes): otherwise they would keep the deleted
    object's id, and only the next plan would show it."""
    replaced = {(c.kind, name): c.address for c in changes if c.action == "replace"
                for name in _names(kinds[c.kind], c)}
    changing = {c.address for c in changes}
    out: list[Change] = []
    for want in desired.values():
        kind, record = kinds[want.kind], state.get(want.address)
        if want.address in changing or record is None or not kind.follows_replaced:
            continue
        causes = sorted({replaced[ref] for ref in kind.refers_to(want.spec)
                         if ref[0] in kind.follows_replaced and ref in replaced})
        obj = index.by_id(want.kind, record.remote_id)
        if causes and obj is not None:
            out.append(_follower_change(want, obj, causes))
    return out


def _follower_change(want: Resource, obj: LiveObject, causes: list[str]) -> Change:
    """``want`` written again as declared, after the replaces named in ``causes``."""
    writes = kept_ignored(want, obj)
    return Change(
        action="update", address=want.address, kind=want.kind, name=want.name,
        remote_id=obj.remote_id, before=obj.fields, after=writes.plain(),
        ref_ids=pinned_ids(writes), fingerprint=fingerprint(obj.fields, obj.version),
        origin=str(want.origin) if want.origin else None, prevent_destroy=want.prevent_destroy,
        follows=causes, notes=[f"re-written after {', '.join(causes)} "
                               f"{'is' if len(causes) == 1 else 'are'} replaced, to hold the "
                               "new id"])


def _names(kind: Kind, change: Change) -> set[str]:
    """What another object may call a replaced one by: its NAME and its natural keys."""
    keys = {kind.key(kind.planned(f)) for f in (change.before, change.after) if f is not None}
    return {change.name, *keys}


def targeted(change: Change, targets: Sequence[str]) -> bool:
    """Whether ``--target`` (an address, a moved resource's old address, or a kind) covers
    ``change``."""
    return any(t in (change.address, change.kind, change.moved_from) for t in targets)


def desired_change(kind: Kind, want: Resource, record: ResourceRecord | None,
                   index: LiveIndex, moved_from: str | None = None) -> Change | None:
    """Create, update, replace or adopt one declared resource, or only move its state entry
    (``moved_from``: its address before a ``moved`` entry). None: it matches."""
    notes: list[str] = []
    if record is None:
        # Not managed yet: take over the live object with its natural key that no other
        # address manages, so declaring an existing tag adopts it instead of duplicating it.
        obj = index.unclaimed_by_key(want.kind, kind.key(want.spec))
        if obj is not None:
            index.claim(obj)
            notes.append(f"exists already (id {obj.remote_id}); Callboard will manage it")
    else:
        obj = index.by_id(want.kind, record.remote_id)
        if obj is None:
            # Deleted by hand, maybe made again by hand since: creating it would duplicate
            # that object (or be refused), so it is taken over as if declared afresh.
            obj = index.unclaimed_by_key(want.kind, kind.key(want.spec))
            if obj is None:
                notes.append("was deleted outside Callboard; it will be created again")
            else:
                index.claim(obj)
                notes.append(f"was deleted outside Callboard (id {record.remote_id}); "
                             "Callboard will manage the object made since with its name "
                             f"(id {obj.remote_id})")
    writes = want.spec if obj is None else kept_ignored(want, obj)
    base: dict[str, Any] = dict(address=want.address, kind=want.kind, name=want.name,
                                origin=str(want.origin) if want.origin else None,
                                prevent_destroy=want.prevent_destroy, notes=notes,
                                after=writes.plain(), ref_ids=pinned_ids(writes),
                                moved_from=moved_from)
    if obj is None:
        return Change(action="create", **base)
    reason, diffs = _compare(kind, want, obj)
    taken_over = record is None or record.remote_id != obj.remote_id
    action = "replace" if reason else "update" if diffs else "adopt" if taken_over else (
        "move" if moved_from else None)
    if action is None:
        return None
    return Change(action=action, remote_id=obj.remote_id, before=obj.fields, diffs=diffs,
                  replace_reason=reason,
                  create_before_destroy=bool(reason) and kind.create_before_destroy,
                  fingerprint=fingerprint(obj.fields, obj.version), **base)


def kept_ignored(want: Resource, obj: LiveObject) -> ResourceSpec:
    """What apply writes to an existing object: the declared values, except that a field in
    ``lifecycle.ignore_changes`` keeps its live value (Terraform's meaning), so updating
    another field never overwrites it (a custom field's options left to the Prospect2 UI)."""
    ignored = [name for name in want.ignore_changes if name in type(want.spec).model_fields]
    if not ignored:
        return want.spec
    return want.spec.model_copy(update={name: getattr(obj.value, name) for name in ignored})


def orphan_change(kind: Kind, record: ResourceRecord, index: LiveIndex,
                  also_managed_as: str | None) -> Change:
    """The delete of an address no manifest declares any more."""
    base = dict(action="delete", address=record.address, kind=record.kind, name=record.name)
    if also_managed_as is not None:
        # Two addresses for one object (an import or ``state mv`` gone wrong): the object
        # stays with the declared one; only this address leaves state.
        return Change(before=record.fields, notes=[
            f"its object also belongs to {also_managed_as}; only state is updated"], **base)
    obj = index.by_id(record.kind, record.remote_id)
    if obj is None:
        notes = ["already deleted outside Callboard; only state is updated"]
    else:
        notes = [kind.delete_note] if kind.delete_note else []
    return Change(remote_id=record.remote_id, before=obj.fields if obj else record.fields,
                  fingerprint=fingerprint(obj.fields, obj.version) if obj else None,
                  prevent_destroy=record.prevent_destroy, notes=notes, **base)


def order_changes(changes: list[Change], order: list[str]) -> list[Change]:
    """Creates and updates in dependency order, then deletes in reverse."""
    rank = {kind: i for i, kind in enumerate(order)}
    forward = sorted((c for c in changes if c.action != "delete"),
                     key=lambda c: (rank.get(c.kind, len(rank)), c.address))
    backward = sorted((c for c in changes if c.action == "delete"),
                      key=lambda c: (-rank.get(c.kind, len(rank)), c.address))
    return forward + backward
