"""Updates that would give an object the natural key another live object keeps, refused.

A declared tag renamed to the name of a tag that exists already (an unmanaged ``VIP``), or an
``import`` of the wrong id, makes an update the service refuses as a duplicate (Prospect2
refuses ``vip`` beside ``VIP`` too): the plan looked fine and apply failed part-way, after the
plan's other changes. Refused at plan time instead, with file:line and the way out. Pure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from engine.errors import ManifestError, ManifestErrors
from engine.kinds import Kind, LiveObject
from engine.live_index import LiveIndex
from engine.plan.diff import kept_ignored
from engine.plan.model import Change
from engine.resources import Resource
from engine.state.base import ResourceRecord


def refuse_key_collisions(shown: Sequence[Change], kinds: Mapping[str, Kind],
                          desired: Mapping[str, Resource], declared: Mapping[str, Resource],
                          records: Mapping[str, ResourceRecord], index: LiveIndex) -> None:
    """ManifestErrors naming each update or replace whose new key another live object has,
    even one this plan deletes or renames: apply runs a group's changes at once and deletes
    last, so the two changes need two applies."""
    new_keys = _new_keys(shown, kinds, desired, index)
    leaving = {(c.kind, c.remote_id) for c in shown if c.action == "delete"}
    owners = {(r.kind, r.remote_id): a for a, r in records.items()}
    errors = []
    for change, obj, other, key in _clashes(shown, new_keys, index):
        ident = (other.kind, other.remote_id)
        later = new_keys.get(ident)
        gives_up = "" if ident in leaving else (
            later if later is not None and later.casefold() != key.casefold() else None)
        errors.append(_collision(change, declared.get(change.address), obj, other, key,
                                 owners.get(ident), gives_up))
    if errors:
        raise ManifestErrors(errors)


def _new_keys(shown: Sequence[Change], kinds: Mapping[str, Kind],
              desired: Mapping[str, Resource], index: LiveIndex) -> dict[tuple[str, str], str]:
    """(kind, id) -> the key each update or replace gives its live object."""
    new_keys: dict[tuple[str, str], str] = {}
    for change in shown:
        obj = index.by_id(change.kind, change.remote_id)
        want = desired.get(change.address)
        if change.action in ("update", "replace") and obj is not None and want is not None:
            # an update keeps the live value of an ignored field, the key among them
            written = kept_ignored(want, obj) if change.action == "update" else want.spec
            new_keys[(change.kind, obj.remote_id)] = kinds[change.kind].key(written)
    return new_keys


def _clashes(shown: Sequence[Change], new_keys: Mapping[tuple[str, str], str],
             index: LiveIndex) -> Iterator[tuple[Change, LiveObject, LiveObject, str]]:
    """Each change whose new key another live object has: (change, its object, the other
    object, the key)."""
    for change in shown:
        key = new_keys.get((change.kind, change.remote_id or ""))
        obj = index.by_id(change.kind, change.remote_id)
        if key is None or obj is None or key.casefold() == obj.key.casefold():
            continue
        other = next((o for o in index.with_key(change.kind, key)
                      if o.remote_id != obj.remote_id), None)
        if other is not None:
            yield change, obj, other, key


def _collision(change: Change, written: Resource | None, obj: LiveObject, other: LiveObject,
               key: str, owner: str | None, gives_up: str | None) -> ManifestError:
    """``gives_up``: the key this plan gives ``other`` ("" when it deletes it), if any."""
    field = next((d.field for d in change.diffs
                  if isinstance(d.after, str) and d.after.casefold() == key.casefold()), None)
    origin = (written.origin_of(field) if field else written.origin) if written else None
    said = f"would change {change.kind} object {obj.remote_id} from {obj.key!r} to {key!r}"
    if owner is not None and gives_up is not None:
        if gives_up.casefold() == obj.key.casefold():
            why = (f"{said}, while {owner} (id {other.remote_id}) changes from {key!r} to "
                   f"{gives_up!r}: a swap the service cannot make in one step; give one of "
                   "them a temporary value in an apply of its own first")
        else:
            why = (f"{said}, which {owner} (id {other.remote_id}) has until this plan changes "
                   "it: apply makes its changes at once (deletes last), and the service "
                   f"would refuse a second {key!r}; apply the change of {owner} first, with "
                   f"'--target {owner}'")
    elif owner is not None:
        why = (f"{said}, but {owner} (id {other.remote_id}) already has it, and a second one "
               "would be refused as a duplicate: choose another")
    else:
        why = (f"{said}, but {change.kind} object {other.remote_id} already has it (no "
               "address manages it), and a second one would be refused as a duplicate: "
               f"choose another, or manage object {other.remote_id} under {change.address} "
               f"instead ('callboard state rm {change.address}', then 'callboard import "
               f"{change.address} {other.remote_id}')")
    return ManifestError(
        f"{why}. Nothing was changed.",
        file=origin.file if origin else None, line=origin.line if origin else None,
        field=f"{change.address}.{field}" if field else change.address)
