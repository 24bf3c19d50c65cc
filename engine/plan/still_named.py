"""Deletes of objects that something staying still names, refused before anything changes.

A Data Sync may name its tag by the tag's own name, a CSI webhook its activity type by
description and its fields by perstag: objects the manifests need not declare. When the
manifests stop declaring such an object but keep what names it, the diff deletes it (as any
undeclared managed object) and leaves the other pointing at nothing: the tag is gone from every
contact, the sync cannot run and every later plan fails on the manifests. With ``--target``,
an object whose dependent is deleted too but left out of the targeted plan goes first the same
way. Pure, like the diff.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from engine.errors import ManifestError, ManifestErrors, PlanRefused
from engine.kinds import Kind
from engine.live_index import LiveIndex
from engine.plan.model import Change
from engine.resources import Resource, address
from engine.state.base import ResourceRecord


def refuse_deleting_named(shown: Sequence[Change], kinds: Mapping[str, Kind],
                          desired: Mapping[str, Resource], declared: Mapping[str, Resource],
                          records: Mapping[str, ResourceRecord], index: LiveIndex) -> None:
    """ManifestErrors (a declared resource still names a deleted object, at its file:line) or
    PlanRefused (a managed object this plan leaves in place still names one)."""
    deleted: dict[tuple[str, str], tuple[Change, str]] = {}
    for change in shown:
        obj = index.by_id(change.kind, change.remote_id) if change.action == "delete" else None
        if obj is not None:
            deleted[(change.kind, obj.key.casefold())] = (change, obj.key)
    if not deleted:
        return
    errors = [_declared_error(resource, declared.get(resource.address, resource), change, key)
              for resource in desired.values()
              for change, key in _named(kinds[resource.kind], resource.spec, deleted, desired)]
    if errors:
        raise ManifestErrors(errors)
    _refuse_left_in_place(shown, kinds, desired, records, index, deleted)


def _refuse_left_in_place(shown: Sequence[Change], kinds: Mapping[str, Kind],
                          desired: Mapping[str, Resource], records: Mapping[str, ResourceRecord],
                          index: LiveIndex,
                          deleted: Mapping[tuple[str, str], tuple[Change, str]]) -> None:
    """A managed object the plan neither declares nor deletes (left out by ``--target``)
    that still names a deleted one."""
    leaving = {c.address for c in shown if c.action == "delete"}
    for addr, record in sorted(records.items()):
        obj = index.by_id(record.kind, record.remote_id)
        if addr in desired or addr in leaving or obj is None or record.kind not in kinds:
            continue
        for change, _key in _named(kinds[record.kind], obj.value, deleted, {}):  # live names
            raise PlanRefused(
                f"plan refused: {change.address} would be destroyed while {addr}, which this "
                f"plan leaves in place, still names it: target {addr} as well (--target "
                f"{addr}), so it goes first. Nothing was changed.")


def _named(kind: Kind, value: Any, deleted: Mapping[tuple[str, str], tuple[Change, str]],
           desired: Mapping[str, Resource]) -> Iterator[tuple[Change, str]]:
    """The deleted objects ``value`` names by natural key (a declared NAME is not one)."""
    for other_kind, name in kind.refers_to(value):
        found = deleted.get((other_kind, name.casefold()))
        if found is not None and address(other_kind, name) not in desired:
            yield found


def _declared_error(resource: Resource, written: Resource, change: Change,
                    key: str) -> ManifestError:
    field = _field_naming(written.spec.plain(), key)
    origin = written.origin_of(field) if field else written.origin
    return ManifestError(
        f"names {change.address} ({key!r}), which this plan would destroy: declare "
        f"{change.address} again, or run 'callboard state rm {change.address}' to stop "
        f"managing it and leave it in place. Nothing was changed.",
        file=origin.file if origin else None, line=origin.line if origin else None,
        field=f"{resource.address}.{field}" if field else resource.address)


def _field_naming(data: Any, key: str, path: str = "") -> str | None:
    """The dotted path of the first value (or mapping key) in ``data`` that is ``key``."""
    def same(value: Any) -> bool:
        return isinstance(value, str) and value.strip("%").casefold() == key.casefold()
    if isinstance(data, Mapping):
        for name, value in data.items():
            here = f"{path}.{name}" if path else str(name)
            if same(value) or same(name):
                return here
            found = _field_naming(value, key, here)
            if found:
                return found
    elif isinstance(data, list):
        for i, value in enumerate(data):
            here = f"{path}.{i}"
            if same(value):
                return here
            found = _field_naming(value, key, here)
            if found:
                return found
    return None
