"""A Data Sync run, frozen: every batch it will send, decided before the first write.

The plan is built from data (list members, baseline, exported addresses, ledger, rejections)
and saved to state before anything is written, so a run killed part-way is finished later
with the very same batches: nothing lost, nothing doubled. Pure apart from (de)serializing.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, TypeVar

from pyroaring import BitMap

from engine.artifacts import SYNC_RUN_PLAN
from engine.errors import PlanRefused
from engine.sync.delta import compute_delta, dump_bitmap, load_bitmap
from engine.sync.filters import TaggableAddress
from engine.sync.ports import MAX_IMPORT_BATCH

#: Removals journaled together: a crash resends at most this many (idempotent) deletes.
REMOVAL_BATCH = 50

Reason = Literal["add", "resync", "retry"]
_Item = TypeVar("_Item")


@dataclass
class ImportItem:
    address: str
    constituents: list[int]
    reason: Reason
    first_name: str = ""
    last_name: str = ""


@dataclass
class RemovalItem:
    address: str
    constituents: list[int]  # the constituents who left and held this address


@dataclass
class SyncRunPlan:
    """``current`` becomes the baseline once every batch is confirmed."""

    run_id: str
    sync_id: str
    started_at: str
    audit_until: str | None
    current: BitMap
    added: BitMap
    removed: BitMap
    resynced: BitMap
    retried: BitMap
    import_batches: list[list[ImportItem]] = field(default_factory=list)
    removal_batches: list[list[RemovalItem]] = field(default_factory=list)
    kept_shared: int = 0  # addresses of leavers kept because a listed constituent owns them
    new_owners: dict[str, list[int]] = field(default_factory=dict)  # ledger additions

    @property
    def batch_count(self) -> int:
        return len(self.import_batches) + len(self.removal_batches)

    def imports(self, reason: Reason | None = None) -> list[ImportItem]:
        return [i for b in self.import_batches for i in b if reason in (None, i.reason)]

    def removals(self) -> list[RemovalItem]:
        return [r for b in self.removal_batches for r in b]

    def to_bytes(self) -> bytes:
        bitmaps = ("current", "added", "removed", "resynced", "retried")
        body: dict[str, Any] = SYNC_RUN_PLAN.stamp({
            "run_id": self.run_id, "sync_id": self.sync_id,
            "started_at": self.started_at, "audit_until": self.audit_until,
            "kept_shared": self.kept_shared, "new_owners": self.new_owners,
            "bitmaps": {n: base64.b64encode(dump_bitmap(getattr(self, n))).decode()
                        for n in bitmaps},
            "import_batches": [[asdict(i) for i in b] for b in self.import_batches],
            "removal_batches": [[asdict(r) for r in b] for b in self.removal_batches],
        })
        return json.dumps(body, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, payload: bytes) -> SyncRunPlan:
        body = json.loads(payload)
        if "format" in body:  # frozen before run plans used ``format_version``
            body["format_version"] = body.pop("format")
        if not SYNC_RUN_PLAN.accepts(body):
            raise PlanRefused("the unfinished sync run was frozen by another version of "
                              "Callboard: finish it with that version")
        maps = {n: load_bitmap(base64.b64decode(v)) for n, v in body["bitmaps"].items()}
        return cls(run_id=body["run_id"], sync_id=body["sync_id"],
                   started_at=body["started_at"], audit_until=body["audit_until"],
                   kept_shared=body.get("kept_shared", 0),
                   new_owners=body.get("new_owners", {}), **maps,
                   import_batches=[[ImportItem(**i) for i in b]
                                   for b in body["import_batches"]],
                   removal_batches=[[RemovalItem(**r) for r in b]
                                    for b in body["removal_batches"]])


@dataclass(frozen=True)
class PlanInputs:
    """Everything a run plan is decided from, read before any write."""

    sync_id: str
    run_id: str
    started_at: str
    audit_until: str | None
    mode: str
    current: BitMap
    baseline: BitMap
    resync: BitMap
    taggable: Mapping[str, TaggableAddress]  # of added, re-synced and retried constituents
    ledger: Mapping[str, set[int]]
    rejected_constituents: BitMap
    import_batch: int = MAX_IMPORT_BATCH
    removal_batch: int = REMOVAL_BATCH
    #: tagged addresses that listed constituents now hold too (audited email changes)
    new_owners: Mapping[str, set[int]] = field(default_factory=dict)


def build_run_plan(inputs: PlanInputs) -> SyncRunPlan:
    """Imports for joiners, re-syncs and earlier rejections; removals for leavers' addresses
    that no listed constituent still holds (shared household emails keep their tag)."""
    delta = compute_delta(inputs.baseline, inputs.current)
    resynced = inputs.resync & delta.kept
    retried = (inputs.rejected_constituents & inputs.current) - delta.added - resynced
    items: list[ImportItem] = []
    for key in sorted(inputs.taggable):
        entry = inputs.taggable[key]
        owners = BitMap(entry.constituents) & inputs.current
        if owners & delta.added:
            reason: Reason = "add"
        elif owners & resynced:
            reason = "resync"
        elif owners & retried:
            reason = "retry"
        else:
            continue
        items.append(ImportItem(key, sorted(owners), reason, entry.first_name,
                                entry.last_name))
    removal_items: list[RemovalItem] = []
    kept_shared = 0
    if inputs.mode == "add_and_remove" and delta.removed:
        importing = {i.address for i in items}
        for address in sorted(inputs.ledger):
            owners = BitMap(inputs.ledger[address]) | BitMap(inputs.new_owners.get(address, ()))
            leavers = owners & delta.removed
            if not leavers:
                continue
            if (owners & inputs.current) or address in importing:
                kept_shared += 1
                continue
            removal_items.append(RemovalItem(address, sorted(leavers)))
    return SyncRunPlan(
        run_id=inputs.run_id, sync_id=inputs.sync_id, started_at=inputs.started_at,
        audit_until=inputs.audit_until, current=inputs.current, added=delta.added,
        removed=delta.removed, resynced=resynced, retried=retried,
        import_batches=_chunks(items, inputs.import_batch),
        removal_batches=_chunks(removal_items, inputs.removal_batch), kept_shared=kept_shared,
        new_owners={a: sorted(c) for a, c in sorted(inputs.new_owners.items())})


def _chunks(items: list[_Item], size: int) -> list[list[_Item]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def safety_problem(mode: str, baseline: BitMap, current: BitMap,
                   max_remove_fraction: float) -> str | None:
    """Why a run must stop before writing (an emptied list, too many removals), or None."""
    if not current and baseline:
        return (f"the list is empty but {len(baseline)} constituents were synced before; a "
                "failed regenerate must not untag everyone (use --force if the list really "
                "is empty)")
    if mode != "add_and_remove" or not baseline:
        return None
    removed = len(baseline - current)
    fraction = removed / len(baseline)
    if fraction > max_remove_fraction:
        return (f"the run would remove the tag for {removed} of {len(baseline)} constituents "
                f"({fraction:.1%}), over safety.sync_max_remove_fraction "
                f"({max_remove_fraction:.1%}); use --force to run it anyway")
    return None

