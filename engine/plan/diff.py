"""Pure diffing of desired, live and state into ordered changes. No I/O here.

Identity: an address in state maps to a remote id; an address not in state adopts the one live
object of its kind with the same natural key that no other address claims (so declaring a tag
that already exists takes it over instead of failing on a duplicate name). Only the manifests'
kinds, and kinds still in state, are ever looked at: unmanaged objects are never touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.kinds import Kind, LiveObject
from engine.plan.model import Change, FieldDiff, fingerprint
from engine.state.base import ResourceRecord


@dataclass
class DesiredObject:
    """A declared resource with its references resolved to live vocabulary."""

    kind: str
    name: str
    fields: dict[str, Any]
    origin: str | None = None
    ignore_changes: list[str] = field(default_factory=list)
    prevent_destroy: bool = False

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.name}"


def field_diffs(live: Mapping[str, Any], desired: Mapping[str, Any],
                ignore: list[str]) -> list[FieldDiff]:
    return [FieldDiff(name, live.get(name), value) for name, value in desired.items()
            if name not in ignore and live.get(name) != value]


def _compare(kind: Kind, want: DesiredObject,
             obj: LiveObject) -> tuple[str | None, list[FieldDiff]]:
    diffs = field_diffs(obj.fields, want.fields, want.ignore_changes)
    changed = {d.field for d in diffs}
    reason = None
    if changed & kind.replace_fields:
        # Full dicts: whether a change forces a replace may depend on other fields (a Data
        # Sync's tag only while it is enabled); ignored fields never force one.
        reason = kind.replace_reason(obj.fields, want.fields)
        if reason not in changed:
            reason = None
    return reason, diffs


def diff(kinds: Mapping[str, Kind], order: list[str], desired: Mapping[str, DesiredObject],
         live: Mapping[str, list[LiveObject]], state: Mapping[str, ResourceRecord],
         targets: list[str] | None = None) -> list[Change]:
    """Changes that make live match desired, in the order they must be applied."""
    changes: list[Change] = []
    by_id = {(k, o.remote_id): o for k, objs in live.items() for o in objs}
    claimed = {(r.kind, r.remote_id) for r in state.values()}
    for addr, want in desired.items():
        kind = kinds[want.kind]
        record = state.get(addr)
        obj = by_id.get((want.kind, record.remote_id)) if record else None
        note: list[str] = []
        if record and obj is None:
            note.append("was deleted outside Callboard; it will be created again")
        adopting = False
        if record is None:
            key = kind.key(want.fields)
            matches = [o for o in live.get(want.kind, []) if o.key == key
                       and (want.kind, o.remote_id) not in claimed]
            if matches:
                obj, adopting = matches[0], True
                claimed.add((want.kind, obj.remote_id))
        base = dict(address=addr, kind=want.kind, name=want.name, origin=want.origin,
                    prevent_destroy=want.prevent_destroy)
        if obj is None:
            changes.append(Change(action="create", after=want.fields, notes=note, **base))
            continue
        reason, diffs = _compare(kind, want, obj)
        common = dict(remote_id=obj.remote_id, before=obj.fields, after=want.fields, diffs=diffs,
                      fingerprint=fingerprint(obj.fields, obj.version), **base)
        if adopting:
            note.append(f"exists already (id {obj.remote_id}); Callboard will manage it")
        if reason:
            changes.append(Change(action="replace", replace_reason=reason, notes=note, **common))
        elif diffs:
            changes.append(Change(action="update", notes=note, **common))
        elif adopting:
            changes.append(Change(action="adopt", notes=note, **common))

    kept = {(r.kind, r.remote_id): a for a, r in state.items() if a in desired}
    for addr, record in state.items():
        if addr in desired or record.kind not in kinds:
            continue
        obj = by_id.get((record.kind, record.remote_id))
        if (record.kind, record.remote_id) in kept:
            changes.append(Change(
                action="delete", address=addr, kind=record.kind, name=record.name,
                before=record.fields, notes=[f"its object also belongs to "
                                             f"{kept[(record.kind, record.remote_id)]}; only "
                                             "state is updated"]))
            continue
        changes.append(Change(
            action="delete", address=addr, kind=record.kind, name=record.name,
            remote_id=record.remote_id, before=obj.fields if obj else record.fields,
            fingerprint=fingerprint(obj.fields, obj.version) if obj else None,
            prevent_destroy=record.prevent_destroy,
            notes=([kinds[record.kind].delete_note] if obj and kinds[record.kind].delete_note
                   else [] if obj else ["already deleted outside Callboard; only state is "
                                        "updated"])))

    if targets:
        changes = [c for c in changes if any(c.address == t or c.kind == t for t in targets)]
    return order_changes(changes, order)


def order_changes(changes: list[Change], order: list[str]) -> list[Change]:
    """Creates and updates in dependency order, then deletes in reverse."""
    rank = {kind: i for i, kind in enumerate(order)}
    forward = sorted((c for c in changes if c.action != "delete"),
                     key=lambda c: (rank.get(c.kind, len(rank)), c.address))
    backward = sorted((c for c in changes if c.action == "delete"),
                      key=lambda c: (-rank.get(c.kind, len(rank)), c.address))
    return forward + backward
