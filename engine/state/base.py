"""The state store's interface: what Callboard remembers between runs.

State maps each managed address to the remote object it created or adopted, with the fields it
last applied (for drift) and the lifecycle switches needed once the manifest is gone. A serial
counts applies and a lineage names this state's history, so a saved plan can prove it was made
against this exact state. Backends: SQLite (default) now; PostgreSQL behind the same interface.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ResourceRecord:
    address: str
    kind: str
    name: str
    remote_id: str
    fields: dict[str, Any] = field(default_factory=dict)
    prevent_destroy: bool = False
    updated_at: str = ""


@dataclass(frozen=True)
class LockInfo:
    holder: str
    command: str
    since: str

    def describe(self) -> str:
        return f"held by {self.holder} (command: {self.command}) since {self.since}"


@dataclass(frozen=True)
class StateHeader:
    lineage: str
    serial: int
    applying_plan: str | None
    last_applied_plan: str | None = None


@dataclass
class WritebackLedger:
    """One campaign's writeback (seed 002): the frozen recipients and how far it got.

    Stored before the first write to Tessitura and updated after each confirmed promotion
    batch, so an interrupted run resumes at the first unconfirmed batch with the very same
    constituents. ``status`` is ``"started"`` or ``"complete"``.
    """

    campaign_id: str
    campaign_name: str
    mapping_id: str
    mapping_name: str
    appeal_id: int
    source_group_id: int
    media_type_id: int
    constituent_ids: list[int]
    constituents_digest: str
    unowned_addresses: int
    batch_size: int
    source_id: int | None = None
    batches_confirmed: int = 0
    inserted: int = 0
    skipped: int = 0
    status: str = "started"
    started_at: str = ""
    updated_at: str = ""


@dataclass
class SyncBaseline:
    """A Data Sync's confirmed membership (a Roaring bitmap) and where its audit window ends.

    Keyed by the sync's remote id: a replaced sync is a new sync and starts from nothing.
    ``audit_until`` is the service-clock instant up to which audited changes were handled.
    """

    sync_id: str
    members: bytes
    audit_until: str | None = None
    updated_at: str = ""


@dataclass
class SyncBatchRecord:
    """What one acknowledged batch of a frozen sync run changed, journaled atomically.

    ``tagged``: (address, constituent) pairs this sync now tagged; ``untagged``: addresses
    whose tag it removed; ``associations``: contactTag ids learned; ``rejected``: address ->
    (constituents, the API's reason) for contacts Prospect2 refused.
    """

    batch_no: int
    tagged: list[tuple[str, int]] = field(default_factory=list)
    untagged: list[str] = field(default_factory=list)
    associations: dict[str, str] = field(default_factory=dict)
    rejected: dict[str, tuple[list[int], str]] = field(default_factory=dict)


@dataclass
class SyncRunLogEntry:
    """One sync run as ``sync log`` shows it (kept 30 days)."""

    run_id: str
    sync_id: str
    address: str
    started_at: str
    finished_at: str | None
    status: str
    summary: dict[str, Any] = field(default_factory=dict)


class SyncStateStore(ABC):
    """What Data Sync runs remember: baselines, frozen run plans and their batch journal,
    the address ledger with cached contactTag ids, rejected contacts, the run log, locks."""

    @abstractmethod
    def sync_baseline(self, sync_id: str) -> SyncBaseline | None: ...

    @abstractmethod
    def sync_plan(self, sync_id: str) -> tuple[str, bytes] | None:
        """The frozen plan of an unfinished run: (run id, payload)."""

    @abstractmethod
    def freeze_sync_plan(self, sync_id: str, run_id: str, payload: bytes) -> None:
        """Store a run plan before its first write; StateError if one is unfinished."""

    @abstractmethod
    def sync_batches_done(self, sync_id: str, run_id: str) -> set[int]: ...

    @abstractmethod
    def record_sync_batch(self, sync_id: str, run_id: str, batch: SyncBatchRecord) -> None:
        """Journal one acknowledged batch and its ledger effects in one transaction."""

    @abstractmethod
    def finish_sync_plan(self, sync_id: str, run_id: str, baseline: SyncBaseline,
                         forget_owners: list[int], forget_rejected: list[int]) -> None:
        """Move the baseline, drop ledger rows of constituents who left and rejections of
        constituents no longer listed, and drop the plan with its journal: atomically."""

    @abstractmethod
    def sync_ledger(self, sync_id: str) -> dict[str, set[int]]:
        """Address -> constituents this sync tagged it for."""

    @abstractmethod
    def sync_associations(self, sync_id: str) -> dict[str, str]:
        """Address -> cached contactTag association id."""

    @abstractmethod
    def save_sync_associations(self, sync_id: str, associations: dict[str, str]) -> None: ...

    @abstractmethod
    def sync_rejected(self, sync_id: str) -> list[tuple[str, int, str]]:
        """(address, constituent, reason) of contacts Prospect2 refused, to retry."""

    @abstractmethod
    def sync_digests(self, sync_id: str, constituent_ids: list[int]) -> dict[int, int]:
        """The carried-value digests kept for these constituents (absent: none kept)."""

    @abstractmethod
    def record_sync_digests(self, sync_id: str, digests: Iterable[tuple[int, int]],
                            forget: Iterable[int]) -> None:
        """Keep (constituent, digest) pairs of values a run sent, and drop those of
        constituents who left, in one transaction (``resync: values``)."""

    @abstractmethod
    def acquire_sync_lock(self, address: str, holder: str,
                          steal_from: str | None = None) -> None:
        """Lock one sync or raise StateError naming the holder; ``steal_from`` takes over a
        lock whose holder is known to be dead."""

    @abstractmethod
    def release_sync_lock(self, address: str, holder: str) -> None: ...

    @abstractmethod
    def sync_lock(self, address: str) -> LockInfo | None: ...

    @abstractmethod
    def log_sync_run(self, entry: SyncRunLogEntry) -> None:
        """Insert or update a run's log entry; entries older than 30 days are dropped."""

    @abstractmethod
    def sync_runs(self, address: str | None, since: str) -> list[SyncRunLogEntry]:
        """Run log entries started at or after ``since`` (ISO), oldest first."""


class StateStore(SyncStateStore):
    """One team's state. Every write is atomic on its own."""

    url: str

    @abstractmethod
    def header(self) -> StateHeader: ...

    @abstractmethod
    def resources(self) -> dict[str, ResourceRecord]: ...

    def get(self, address: str) -> ResourceRecord | None:
        return self.resources().get(address)

    @abstractmethod
    def put(self, record: ResourceRecord) -> None: ...

    @abstractmethod
    def remove(self, address: str) -> None: ...

    @abstractmethod
    def begin_apply(self, plan_id: str) -> int:
        """Mark ``plan_id`` as being applied and bump the serial; returns the new serial."""

    @abstractmethod
    def finish_apply(self, plan_id: str) -> None: ...

    @abstractmethod
    def journal(self, plan_id: str) -> set[str]:
        """Addresses whose change in ``plan_id`` has finished (for resuming an apply)."""

    @abstractmethod
    def mark_done(self, plan_id: str, address: str) -> None: ...

    @abstractmethod
    def acquire_lock(self, holder: str, command: str) -> None:
        """Take the write lock or raise StateError naming the current holder."""

    @abstractmethod
    def release_lock(self, holder: str) -> None: ...

    @abstractmethod
    def lock_info(self) -> LockInfo | None: ...

    @abstractmethod
    def force_unlock(self) -> LockInfo | None: ...

    @abstractmethod
    def writeback_statuses(self) -> dict[str, str]:
        """Campaign id -> ledger status, for every campaign a writeback run has started."""

    @abstractmethod
    def writeback_ledger(self, campaign_id: str) -> WritebackLedger | None: ...

    @abstractmethod
    def start_writeback(self, ledger: WritebackLedger) -> None:
        """Store a new campaign ledger; StateError if the campaign already has one."""

    @abstractmethod
    def update_writeback_progress(self, ledger: WritebackLedger) -> None:
        """Save the ledger's progress (source, batches confirmed, counts, status) atomically;
        its frozen recipients are never rewritten."""

    @abstractmethod
    def close(self) -> None: ...

    @contextmanager
    def locked(self, holder: str, command: str) -> Iterator[None]:
        self.acquire_lock(holder, command)
        try:
            yield
        finally:
            self.release_lock(holder)

