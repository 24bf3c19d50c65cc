"""What Callboard remembers between runs, as small protocols each consumer asks for.

State maps each managed address to the remote object it created or adopted, with the fields it
last applied (for drift) and the lifecycle switches needed once the manifest is gone. A serial
moves with every change any command makes, and a lineage names this state's history, so a saved
plan can prove it was made against this exact state. One SQL implementation serves SQLite
(default) and PostgreSQL (``engine.state.sql``).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

#: One table's rows as column -> value (bytes for blobs, bool for booleans), for ``state copy``.
Rows = dict[str, list[dict[str, Any]]]


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
    #: What moved the serial last, in the words of the command that did it.
    last_change: str | None = None

    def moved_since(self, serial: int) -> str:
        """How the state moved on from ``serial``, for a stale plan's refusal."""
        changes = self.serial - serial
        what = f"'{self.last_change}'" if self.last_change else "a change"
        if changes > 1:
            what = f"{changes} changes, the last {what}"
        return f"the state is now at serial {self.serial} after {what}"


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
    """A Data Sync's confirmed membership (a Roaring bitmap) and where its audit window ends,
    keyed by the sync's remote id (a replaced sync starts from nothing)."""

    sync_id: str
    members: bytes
    audit_until: str | None = None
    updated_at: str = ""


@dataclass
class SyncBatchRecord:
    """What one acknowledged batch of a frozen sync run changed, journaled atomically:
    (address, constituent) pairs tagged, addresses untagged, contactTag ids learned, and
    address -> (constituents, reason) for contacts Prospect2 refused."""

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


class ResourceState(Protocol):
    """Managed resources and the header plans are made against."""

    url: str

    def header(self) -> StateHeader: ...
    def resources(self) -> dict[str, ResourceRecord]: ...
    def get(self, address: str) -> ResourceRecord | None: ...
    def put(self, record: ResourceRecord) -> None: ...
    def remove(self, address: str) -> None: ...

    def changing(self, what: str) -> AbstractContextManager[None]:
        """One change a command makes, atomically, moving the serial and naming it."""


class ApplyJournal(Protocol):
    def begin_apply(self, plan_id: str) -> int:
        """Mark ``plan_id`` as being applied and move the serial; returns the new serial."""

    def finish_apply(self, plan_id: str) -> None: ...

    def journal(self, plan_id: str) -> set[str]:
        """Addresses whose change in ``plan_id`` has finished (for resuming an apply)."""

    def mark_done(self, plan_id: str, address: str) -> None: ...


class StateLocks(Protocol):
    """The state's write lock and one lock per Data Sync; a holder names ``user@host pid N``."""

    def acquire_lock(self, holder: str, command: str) -> None:
        """Take the write lock (a dead holder's is taken over) or raise StateError."""

    def release_lock(self, holder: str) -> None: ...
    def lock_info(self) -> LockInfo | None: ...

    def live_lock(self) -> LockInfo | None:
        """The write lock, unless its holder is known to have ended."""

    def force_unlock(self) -> LockInfo | None: ...
    def locked(self, holder: str, command: str) -> AbstractContextManager[None]: ...

    def acquire_sync_lock(self, address: str, holder: str,
                          steal_from: str | None = None) -> None:
        """Lock one sync or raise StateError naming the holder; ``steal_from`` takes over a
        lock whose holder is known to be dead."""

    def release_sync_lock(self, address: str, holder: str) -> None: ...
    def sync_lock(self, address: str) -> LockInfo | None: ...


class WritebackLedgers(Protocol):
    def writeback_statuses(self) -> dict[str, str]:
        """Campaign id -> ledger status, for every campaign a writeback run has started."""

    def writeback_ledger(self, campaign_id: str) -> WritebackLedger | None: ...

    def start_writeback(self, ledger: WritebackLedger) -> None:
        """Store a new campaign ledger; StateError if the campaign already has one."""

    def update_writeback_progress(self, ledger: WritebackLedger) -> None:
        """Save progress (source, batches, counts, status); recipients are never rewritten."""


class SyncRuns(Protocol):
    """Data Sync baselines, frozen run plans with their batch journal, the address ledger
    with cached contactTag ids, rejected contacts and the run log."""

    def sync_baseline(self, sync_id: str) -> SyncBaseline | None: ...

    def sync_plan(self, sync_id: str) -> tuple[str, bytes] | None:
        """The frozen plan of an unfinished run: (run id, payload)."""

    def freeze_sync_plan(self, sync_id: str, run_id: str, payload: bytes) -> None:
        """Store a run plan before its first write; StateError if one is unfinished."""

    def sync_batches_done(self, sync_id: str, run_id: str) -> set[int]: ...
    def record_sync_batch(self, sync_id: str, run_id: str, batch: SyncBatchRecord) -> None: ...

    def finish_sync_plan(self, sync_id: str, run_id: str, baseline: SyncBaseline,
                         forget_owners: list[int], forget_rejected: list[int]) -> None:
        """Move the baseline, forget leavers' ledger rows and stale rejections, drop the plan
        and its journal: atomically."""

    def sync_ledger(self, sync_id: str) -> dict[str, set[int]]: ...
    def sync_associations(self, sync_id: str) -> dict[str, str]: ...
    def save_sync_associations(self, sync_id: str, associations: dict[str, str]) -> None: ...
    def sync_rejected(self, sync_id: str) -> list[tuple[str, int, str]]: ...

    def log_sync_run(self, entry: SyncRunLogEntry) -> None:
        """Insert or update a run's log entry; entries older than 30 days are dropped."""

    def sync_runs(self, address: str | None, since: str) -> list[SyncRunLogEntry]: ...


class StateStore(ResourceState, ApplyJournal, StateLocks, WritebackLedgers, SyncRuns, Protocol):
    """One team's state. Every write is atomic on its own; any thread may call it."""

    #: False for the empty stand-in a read-only open gives when no state exists yet.
    exists: bool

    def dump_rows(self) -> Rows: ...
    def load_rows(self, tables: Rows) -> None: ...

    def backup(self) -> str:
        """Keep a copy of this state beside it; returns where, in words a user can act on."""

    def close(self) -> None: ...
