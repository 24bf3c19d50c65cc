"""Drift: what changed in the services since Callboard last applied.

``detect_drift`` is the pure comparison; ``find_drift`` reads the live objects it compares.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Literal

from engine.artifacts import DRIFT
from engine.kinds import LiveObject
from engine.live_index import LiveIndex
from engine.manifests.loader import ManifestSet
from engine.plan.diff import field_diffs
from engine.plan.model import FieldDiff
from engine.plan.planner import check_account_rules, scope_kinds
from engine.resources import address
from engine.session import Session
from engine.state.base import ResourceRecord, StateStore

DriftType = Literal["changed", "deleted", "unmanaged"]


@dataclass
class DriftItem:
    type: DriftType
    address: str
    kind: str
    remote_id: str | None
    diffs: list[FieldDiff] = field(default_factory=list)
    ignored: bool = False


@dataclass
class DriftReport:
    items: list[DriftItem] = field(default_factory=list)
    secret_fields: dict[str, list[str]] = field(default_factory=dict)

    @property
    def has_drift(self) -> bool:
        return any(not item.ignored for item in self.items)

    def counts(self) -> dict[str, int]:
        out = {"changed": 0, "deleted": 0, "unmanaged": 0, "ignored": 0}
        for item in self.items:
            out["ignored" if item.ignored else item.type] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return DRIFT.stamp({"drift": self.has_drift, "summary": self.counts(),
                            "items": [asdict(i) for i in self.items],
                            "secret_fields": self.secret_fields})


def ignored_by(kind: str, key: str, patterns: list[str]) -> bool:
    """Whether a ``drift.ignore`` pattern (``KIND.KEY-GLOB``) matches this live object."""
    name = address(kind, key)
    return any(fnmatchcase(name, pattern) for pattern in patterns)


def detect_drift(live: dict[str, list[LiveObject]], state: dict[str, ResourceRecord],
                 managed_kinds: Iterable[str], ignore: list[str],
                 ignore_changes: dict[str, list[str]] | None = None) -> DriftReport:
    """Compare live objects with the fields Callboard last applied.

    Unmanaged objects of managed kinds are reported as ``KIND.KEY``; those matching a
    ``drift.ignore`` glob are listed but do not count.
    """
    ignore_changes = ignore_changes or {}
    index = LiveIndex(live, state.values())
    report = DriftReport()
    for addr, record in sorted(state.items()):
        obj = index.by_id(record.kind, record.remote_id)
        if obj is None:
            report.items.append(DriftItem("deleted", addr, record.kind, record.remote_id))
            continue
        diffs = field_diffs(record.fields, obj.fields,
                            ignore_changes.get(addr, []) + unrecorded(record, obj))
        if diffs:
            report.items.append(DriftItem("changed", addr, record.kind, record.remote_id, diffs))
    for kind in sorted(set(managed_kinds)):
        for obj in sorted(index.unclaimed(kind), key=lambda o: o.key):
            report.items.append(DriftItem("unmanaged", address(kind, obj.key), kind,
                                          obj.remote_id,
                                          ignored=ignored_by(kind, obj.key, ignore)))
    return report


def unrecorded(record: ResourceRecord, obj: LiveObject) -> list[str]:
    """Fields of a kind that its state record lacks: written by a Callboard from before the
    kind had them (a custom field's options), so there is no applied value to differ from.
    The next apply of the resource, or ``plan --refresh-only``, records them."""
    return [name for name in obj.fields if name not in record.fields]


async def find_drift(session: Session, manifests: ManifestSet, state: StateStore) -> DriftReport:
    """Read every kind the manifests or state touch, and compare (``callboard drift``)."""
    records = await asyncio.to_thread(state.resources)  # off the event loop: state may be remote
    kinds = {k for k in scope_kinds(manifests, records) if k in session.registry}
    await session.check(kinds)
    await check_account_rules(session, manifests)  # a disconnected account is not clean
    live = await session.read_live(kinds)
    unmanaged_kinds = {k for k in kinds if session.registry[k].report_unmanaged}
    report = detect_drift(live, records, unmanaged_kinds, manifests.settings.drift.ignore,
                          {a: r.ignore_changes for a, r in manifests.resources.items()})
    report.secret_fields = {k: sorted(session.registry[k].secret_fields) for k in kinds
                            if session.registry[k].secret_fields}
    return report
