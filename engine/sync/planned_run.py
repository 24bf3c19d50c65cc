"""A run plan read back whole, for ``sync preview`` (which lists every address anyway) and
tests: the header, its parts' items by kind, and its counts. Runs never hold one; they
stream their parts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pyroaring import BitMap

from engine.state.base import SyncPlanPart, SyncPlans
from engine.sync.run_plan import (
    IMPORT,
    PURPOSE,
    REMOVE,
    ImportItem,
    PlanCounts,
    Reason,
    RemovalItem,
    SyncRunPlan,
    import_batch,
    purpose_batch,
    removal_batch,
)


@dataclass
class PlannedRun:
    header: SyncRunPlan
    counts: PlanCounts = field(default_factory=PlanCounts)
    import_items: list[ImportItem] = field(default_factory=list)  # sent ones, by address
    removal_items: list[RemovalItem] = field(default_factory=list)
    purposes: list[tuple[str, list[str]]] = field(default_factory=list)
    batches: list[list[str]] = field(default_factory=list)  # addresses each import sends

    @classmethod
    def of(cls, header: SyncRunPlan, parts: Iterable[SyncPlanPart]) -> PlannedRun:
        planned = cls(header)
        for part in parts:
            planned.counts.add_part(part)
            if part.kind == IMPORT:
                sent = [i for i in import_batch(part) if i.sent]
                planned.import_items += sent
                planned.batches.append([i.address for i in sent])
            elif part.kind == REMOVE:
                planned.removal_items += removal_batch(part)
            elif part.kind == PURPOSE:
                planned.purposes.append(purpose_batch(part))
        planned.import_items.sort(key=lambda i: i.address)
        planned.removal_items.sort(key=lambda r: r.address)
        return planned

    @classmethod
    def read(cls, store: SyncPlans, header: SyncRunPlan) -> PlannedRun:
        """Every part ``store`` holds of ``header``'s run."""
        parts: list[SyncPlanPart] = []
        while page := store.sync_plan_parts(header.sync_id, header.run_id,
                                            parts[-1].part_no if parts else -1, 500):
            parts += page
        return cls.of(header, parts)

    @property
    def current(self) -> BitMap:
        return self.header.current

    @property
    def added(self) -> BitMap:
        """Joiners with an address to tag (the others wait outside the baseline)."""
        return self.header.added & self.counts.eligible

    @property
    def waiting(self) -> BitMap:
        return self.counts.waiting(self.header)

    @property
    def removed(self) -> BitMap:
        return self.header.removed

    @property
    def kept_shared(self) -> int:
        return self.counts.kept_shared

    @property
    def field_names(self) -> list[str]:
        return [f.perstag for f in self.header.fields]

    @property
    def value_problems(self) -> dict[str, list[list[str]]]:
        """address -> [perstag, value, why] of the values left out of its import."""
        return {i.address: i.problems for i in self.import_items if i.problems}

    def imports(self, reason: Reason | None = None) -> list[ImportItem]:
        return [i for i in self.import_items if reason in (None, i.reason)]

    def removals(self) -> list[RemovalItem]:
        return list(self.removal_items)
