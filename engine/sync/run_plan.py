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
from engine.sync.contact_data import CarriedField, DigestColumn, carried_values
from engine.sync.delta import compute_delta, dump_bitmap, load_bitmap
from engine.sync.filters import TaggableAddress
from engine.sync.ports import MAX_IMPORT_BATCH
from engine.sync.purposes import PurposeBatch, purpose_batches

#: Removals journaled together: a crash resends at most this many (idempotent) deletes.
REMOVAL_BATCH = 50

Reason = Literal["add", "resync", "retry"]
_Item = TypeVar("_Item")


@dataclass
class ImportItem:
    """``values``: the contact data sent, one per the plan's ``field_ids`` (None: left out,
    it does not fit its field; ``""`` clears it)."""

    address: str
    constituents: list[int]
    reason: Reason
    first_name: str = ""
    last_name: str = ""
    values: list[str | None] = field(default_factory=list)


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
    #: Contact data: the custom fields filled (ids for the wire, perstags for people).
    field_ids: list[str] = field(default_factory=list)
    field_names: list[str] = field(default_factory=list)
    #: address -> [perstag, value, why] of values left out of its import.
    value_problems: dict[str, list[list[str]]] = field(default_factory=dict)
    #: Members' carried-value digests state keeps once the run is done (``resync: values``).
    digests: DigestColumn = field(default_factory=DigestColumn)
    #: Trigger webhooks: the tag's purpose, added to imported addresses and removed from
    #: untagged ones in Tessitura, batch by batch after the imports and removals.
    purpose_id: int | None = None
    purpose_batches: list[PurposeBatch] = field(default_factory=list)

    @property
    def batch_count(self) -> int:
        return len(self.import_batches) + len(self.removal_batches) + len(self.purpose_batches)

    def numbered_batches(self) -> tuple[list[tuple[int, list[ImportItem]]],
                                        list[tuple[int, list[RemovalItem]]],
                                        list[tuple[int, PurposeBatch]]]:
        """Every batch with its journal number: imports, then removals, then purposes."""
        imports = list(enumerate(self.import_batches))
        removals = list(enumerate(self.removal_batches, start=len(imports)))
        purposes = list(enumerate(self.purpose_batches, start=len(imports) + len(removals)))
        return imports, removals, purposes

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
            "field_ids": self.field_ids, "field_names": self.field_names,
            "value_problems": self.value_problems, "digests": self.digests.to_wire(),
            "purpose_id": self.purpose_id,
            "purpose_batches": [asdict(b) for b in self.purpose_batches],
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
                   field_ids=body.get("field_ids", []), field_names=body.get("field_names", []),
                   value_problems=body.get("value_problems", {}),
                   digests=DigestColumn.from_wire(body.get("digests")),
                   purpose_id=body.get("purpose_id"),
                   purpose_batches=[PurposeBatch(**b) for b in body.get("purpose_batches", [])],
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
    #: contact data the imports carry (``TaggableAddress.values`` follow this order)
    fields: tuple[CarriedField, ...] = ()
    digests: DigestColumn = field(default_factory=DigestColumn)
    #: the tag's purpose when the sync triggers webhooks (None: no purpose updates)
    purpose_id: int | None = None


def build_run_plan(inputs: PlanInputs) -> SyncRunPlan:
    """Imports for joiners, re-syncs and earlier rejections; removals for leavers' addresses
    that no listed constituent still holds (shared household emails keep their tag)."""
    delta = compute_delta(inputs.baseline, inputs.current)
    resynced = inputs.resync & delta.kept
    retried = (inputs.rejected_constituents & inputs.current) - delta.added - resynced
    items, problems = _import_items(inputs, delta.added, resynced, retried)
    removal_items, kept_shared = _removal_items(inputs, delta.removed,
                                                {i.address for i in items})
    return SyncRunPlan(
        run_id=inputs.run_id, sync_id=inputs.sync_id, started_at=inputs.started_at,
        audit_until=inputs.audit_until, current=inputs.current, added=delta.added,
        removed=delta.removed, resynced=resynced, retried=retried,
        import_batches=_chunks(items, inputs.import_batch),
        removal_batches=_chunks(removal_items, inputs.removal_batch), kept_shared=kept_shared,
        new_owners={a: sorted(c) for a, c in sorted(inputs.new_owners.items())},
        field_ids=[f.field_id for f in inputs.fields],
        field_names=[f.perstag for f in inputs.fields], value_problems=problems,
        digests=inputs.digests, purpose_id=inputs.purpose_id,
        purpose_batches=purpose_batches(inputs.purpose_id, [i.address for i in items],
                                        [r.address for r in removal_items]))


def _import_items(inputs: PlanInputs, added: BitMap, resynced: BitMap, retried: BitMap
                  ) -> tuple[list[ImportItem], dict[str, list[list[str]]]]:
    """One import per address, with why (joined, re-synced, retried) and its contact data."""
    items: list[ImportItem] = []
    problems: dict[str, list[list[str]]] = {}
    for key in sorted(inputs.taggable):
        entry = inputs.taggable[key]
        owners = BitMap(entry.constituents) & inputs.current
        if owners & added:
            reason: Reason = "add"
        elif owners & resynced:
            reason = "resync"
        elif owners & retried:
            reason = "retry"
        else:
            continue
        values, left_out = carried_values(inputs.fields, entry.values)
        if left_out:
            problems[key] = [[p.perstag, p.value, p.why] for p in left_out]
        items.append(ImportItem(key, sorted(owners), reason, entry.first_name,
                                entry.last_name, values))
    return items, problems


def _removal_items(inputs: PlanInputs, removed: BitMap, importing: set[str]
                   ) -> tuple[list[RemovalItem], int]:
    """Leavers' addresses to untag, and how many stay tagged (a listed owner holds them)."""
    items: list[RemovalItem] = []
    kept_shared = 0
    if inputs.mode != "add_and_remove" or not removed:
        return items, kept_shared
    for address in sorted(inputs.ledger):
        owners = BitMap(inputs.ledger[address]) | BitMap(inputs.new_owners.get(address, ()))
        leavers = owners & removed
        if not leavers:
            continue
        if (owners & inputs.current) or address in importing:
            kept_shared += 1
            continue
        items.append(RemovalItem(address, sorted(leavers)))
    return items, kept_shared


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

