"""A Data Sync run, frozen: what it decided before its first write, and every batch it sends.

The header (``SyncRunPlan``) holds the decision: who joined, left, is re-synced or retried
(bitmaps), the filters and contact data, the audit window. The batches follow as *parts*,
frozen in state as the export streams in, one export chunk at a time, each part before it is
sent: a run killed part-way is finished from the very same parts, nothing lost, nothing
doubled, and a million-member run never holds its plan in memory. Pure apart from
(de)serializing; ``engine.sync.plan_builder`` drives it.

Parts, in the order they are frozen: ``import`` batches and a ``chunk`` note per export chunk
(how far the export got, who had an address to tag, the counts, and the items carried into
the next chunk's first batch), then ``remove`` and ``purpose`` batches, then ``end``.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from pyroaring import BitMap

from engine.artifacts import SYNC_RUN_PLAN
from engine.errors import PlanRefused
from engine.state.base import SyncPlanPart
from engine.sync.contact_data import CarriedField, carried_values, values_digest
from engine.sync.delta import dump_bitmap, load_bitmap
from engine.sync.filters import AddressFilter, TaggableAddress
from engine.sync.ports import MAX_EXPORT_BATCH, MAX_IMPORT_BATCH, ExportRow

#: Removals journaled together: a crash resends at most this many (idempotent) deletes.
REMOVAL_BATCH = 50

IMPORT, REMOVE, PURPOSE, CHUNK, END = "import", "remove", "purpose", "chunk", "end"
#: Why an address is in an import batch; ``owner``: imported earlier in this run for another
#: constituent (a household address), so only the ledger learns this owner.
Reason = Literal["add", "resync", "retry", "owner"]
_BITMAPS = ("current", "added", "removed", "resynced", "retried")


@dataclass
class ImportItem:
    """``values``: the contact data sent, one per the plan's fields (None: left out, it does
    not fit its field; ``""`` clears it); ``problems``: [perstag, value, why] of those."""

    address: str
    constituents: list[int]
    reason: Reason
    first_name: str = ""
    last_name: str = ""
    values: list[str | None] = field(default_factory=list)
    problems: list[list[str]] = field(default_factory=list)

    @property
    def sent(self) -> bool:
        return self.reason != "owner"


@dataclass
class RemovalItem:
    address: str
    constituents: list[int]  # the constituents who left and held this address


@dataclass
class SyncRunPlan:
    """The frozen decision. The baseline it leaves is ``current`` less the joiners no
    address was found for (``PlanCounts.waiting``): seed 003's baseline holds "eligible
    constituent IDs", so they are looked at again by the next run."""

    run_id: str
    sync_id: str
    started_at: str
    audit_until: str | None
    current: BitMap
    added: BitMap
    removed: BitMap
    resynced: BitMap
    retried: BitMap
    mode: str = "add_and_remove"
    address_filter: AddressFilter = field(default_factory=AddressFilter)
    #: Contact data: the output set its columns come from and the custom fields filled.
    output_set_id: int | None = None
    fields: tuple[CarriedField, ...] = ()
    #: Keep digests of the values sent (off for ``resync: values``: it staged its own).
    digest_sent: bool = False
    #: Trigger webhooks: the tag's purpose, added to imported addresses and removed from
    #: untagged ones in Tessitura, batch by batch after the imports and removals.
    purpose_id: int | None = None
    new_owners: dict[str, list[int]] = field(default_factory=dict)  # ledger additions
    #: The tag's Prospect2 id the plan was decided for (the baseline it leaves records it).
    tag_id: str | None = None
    import_batch: int = MAX_IMPORT_BATCH
    removal_batch: int = REMOVAL_BATCH
    export_batch: int = MAX_EXPORT_BATCH
    _exported: BitMap | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def exported(self) -> BitMap:
        """Constituents whose addresses the run exports: joiners, re-synced, retried."""
        if self._exported is None:
            self._exported = self.added | self.resynced | self.retried
        return self._exported

    @property
    def chunk_count(self) -> int:
        return -(-len(self.exported) // self.export_batch)

    def chunk(self, number: int) -> list[int]:
        """The constituent ids of export chunk ``number`` (ascending, so shared addresses
        are named by their lowest owner)."""
        start = number * self.export_batch
        return list(self.exported[start:start + self.export_batch])

    def to_bytes(self) -> bytes:
        body = {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in _BITMAPS and f.init}
        body["address_filter"] = {k: sorted(v) if isinstance(v, frozenset) else v
                                  for k, v in asdict(self.address_filter).items()}
        body["fields"] = [asdict(f) for f in self.fields]
        body["bitmaps"] = {n: _b64(getattr(self, n)) for n in _BITMAPS}
        return json.dumps(SYNC_RUN_PLAN.stamp(body), separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, payload: bytes) -> SyncRunPlan:
        body = json.loads(payload)
        if not SYNC_RUN_PLAN.accepts(body):
            raise PlanRefused("the unfinished sync run was frozen by another version of "
                              "Callboard: finish it with that version")
        maps = {n: _bitmap(v) for n, v in body.pop("bitmaps").items()}
        body.pop("format_version")
        wanted = body.pop("address_filter")
        found = AddressFilter(**{k: frozenset(v) if isinstance(v, list) else v
                                 for k, v in wanted.items()})
        carried = tuple(CarriedField(**{**f, "options": tuple(f["options"])})
                        for f in body.pop("fields"))
        return cls(**body, **maps, address_filter=found, fields=carried)


@dataclass
class PlanCounts:
    """What a plan does, summed over its parts (the run report's counts)."""

    imports: Counter[str] = field(default_factory=Counter)  # by reason
    removals: int = 0
    kept_shared: int = 0
    #: Purpose updates planned (``sync preview``); a run reports the ones it set instead.
    purposes_added: int = 0
    purposes_removed: int = 0
    values_left_out: Counter[str] = field(default_factory=Counter)
    eligible: BitMap = field(default_factory=BitMap)  # listed owners of an address to tag

    def add_part(self, part: SyncPlanPart) -> None:
        if part.kind not in (CHUNK, END):
            return
        note = json.loads(part.payload)
        if part.kind == END:
            self.removals += note["removals"]
            self.kept_shared += note["kept_shared"]
            self.purposes_added += note["purposes_added"]
            self.purposes_removed += note["purposes_removed"]
            return
        self.imports.update(note["imports"])
        self.values_left_out.update(note["values_left_out"])
        self.eligible |= _bitmap(note["eligible"])

    def waiting(self, plan: SyncRunPlan) -> BitMap:
        """Joiners with no address the filters let through (kept out of the baseline)."""
        return plan.added - self.eligible


@dataclass
class ChunkPlan:
    """What one export chunk adds to the plan."""

    items: list[ImportItem]
    eligible: BitMap
    digests: list[tuple[int, int]]

    @property
    def new_addresses(self) -> list[str]:
        return [i.address for i in self.items if i.sent]


def plan_chunk(plan: SyncRunPlan, rows: list[ExportRow], taggable: Mapping[str, TaggableAddress],
               planned: set[str]) -> ChunkPlan:
    """One import item per taggable address, with why (joined, re-synced, retried) and its
    contact data; an address an earlier chunk imports only gains its owners (``owner``)."""
    items: list[ImportItem] = []
    eligible: list[int] = []
    current, added, resynced, retried = plan.current, plan.added, plan.resynced, plan.retried
    for key in sorted(taggable):
        entry = taggable[key]
        # membership tests, not a bitmap per address: this runs for every member
        owners = [c for c in sorted(entry.constituents) if c in current]
        if any(c in added for c in owners):
            reason: Reason = "add"
        elif any(c in resynced for c in owners):
            reason = "resync"
        elif any(c in retried for c in owners):
            reason = "retry"
        else:
            continue
        eligible += owners
        if key in planned:
            items.append(ImportItem(key, owners, "owner"))
            continue
        values, left_out = carried_values(plan.fields, entry.values)
        items.append(ImportItem(key, owners, reason, entry.first_name, entry.last_name,
                                values, [[p.perstag, p.value, p.why] for p in left_out]))
    digests: dict[int, int] = {}
    if plan.digest_sent:  # the values each constituent's import carried (its own rows)
        for row in rows:
            if row.constituent_id not in digests:
                digests[row.constituent_id] = values_digest(row.values)
    return ChunkPlan(items, BitMap(eligible), sorted(digests.items()))


def chunk_note(number: int, chunk: ChunkPlan, carry: list[ImportItem]) -> bytes:
    """The ``chunk`` part: how far the export got, its counts, and the items carried into
    the next chunk's first batch (frozen here, so a resumed run sends them too)."""
    sent = [i for i in chunk.items if i.sent]
    left_out = Counter(f"{perstag}: {why}" for i in sent for perstag, _, why in i.problems)
    return _json({"chunk": number, "imports": Counter(i.reason for i in sent),
                  "values_left_out": left_out, "eligible": _b64(chunk.eligible),
                  "carry": [item_wire(i) for i in carry]})


def full_batches(items: list[ImportItem], size: int, *, last: bool
                 ) -> tuple[list[list[ImportItem]], list[ImportItem]]:
    """Batches of ``size`` imports (owner items ride along, they send nothing), and the
    items short of a full batch, carried into the next chunk (none after the ``last``)."""
    batches: list[list[ImportItem]] = []
    batch: list[ImportItem] = []
    sent = 0
    for item in items:
        if item.sent and sent == size:
            batches.append(batch)
            batch, sent = [], 0
        batch.append(item)
        sent += item.sent
    if batch and (last or sent == size):
        batches.append(batch)
        batch = []
    return batches, batch


def carried_items(part: SyncPlanPart | None) -> tuple[int, list[ImportItem]]:
    """The next export chunk to read and the items the last ``chunk`` part carried."""
    if part is None:
        return 0, []
    note = json.loads(part.payload)
    return note["chunk"] + 1, [item_from_wire(i) for i in note["carry"]]


def removal_items(plan: SyncRunPlan, ledger: Mapping[str, set[int]], importing: set[str]
                  ) -> tuple[list[RemovalItem], int]:
    """Leavers' addresses to untag, and how many stay tagged (a listed owner holds them, or
    this run imports them); ``ledger`` holds at least every leaver's addresses."""
    items: list[RemovalItem] = []
    kept_shared = 0
    if plan.mode != "add_and_remove" or not plan.removed:
        return items, kept_shared
    for address in sorted(ledger):
        owners = BitMap(ledger[address]) | BitMap(plan.new_owners.get(address, ()))
        leavers = owners & plan.removed
        if not leavers:
            continue
        if (owners & plan.current) or address in importing:
            kept_shared += 1
            continue
        items.append(RemovalItem(address, list(leavers)))
    return items, kept_shared


def end_note(removals: int, kept_shared: int, purposes: Mapping[str, int]) -> bytes:
    return _json({"removals": removals, "kept_shared": kept_shared,
                  "purposes_added": purposes.get("add", 0),
                  "purposes_removed": purposes.get("remove", 0)})


def item_wire(item: ImportItem) -> list[Any]:
    return [item.address, item.constituents, item.reason, item.first_name, item.last_name,
            item.values, item.problems]


def item_from_wire(wire: list[Any]) -> ImportItem:
    return ImportItem(*wire)


def batch_payload(kind: str, items: Iterable[Any]) -> bytes:
    """An ``import`` or ``remove`` batch as a part's payload."""
    if kind == IMPORT:
        return _json([item_wire(i) for i in items])
    return _json([[r.address, r.constituents] for r in items])


def purpose_payload(action: str, addresses: list[str]) -> bytes:
    """A ``purpose`` part: add or remove the tag's purpose on these addresses."""
    return _json([action, addresses])


def import_batch(part: SyncPlanPart) -> list[ImportItem]:
    return [item_from_wire(w) for w in json.loads(part.payload)]


def removal_batch(part: SyncPlanPart) -> list[RemovalItem]:
    return [RemovalItem(a, c) for a, c in json.loads(part.payload)]


def purpose_batch(part: SyncPlanPart) -> tuple[str, list[str]]:
    """(action, addresses) of a ``purpose`` part."""
    action, addresses = json.loads(part.payload)
    return action, addresses


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


def _json(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _b64(bitmap: BitMap) -> str:
    return base64.b64encode(dump_bitmap(bitmap)).decode()


def _bitmap(text: str) -> BitMap:
    return load_bitmap(base64.b64decode(text))
