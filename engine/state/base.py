"""What Callboard remembers between runs, and a small protocol per concern. The serial moves
with every change any command makes and the lineage names this state's history, so a saved
plan proves it was made against this exact state."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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


@dataclass
class WritebackLedger:
    """A campaign's writeback (seed 002): frozen recipients, stored before the first write,
    and how far it got, so a resumed run goes on with the very same constituents."""

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
    """A Data Sync's confirmed members (a Roaring bitmap), the end of its audit window, and
    the Prospect2 tag they were confirmed to carry (None: kept before tag ids were)."""
    sync_id: str
    members: bytes
    audit_until: str | None = None
    updated_at: str = ""
    tag_id: str | None = None


@dataclass
class SyncBatchRecord:
    """What one acknowledged batch changed: (address, constituent) tagged, addresses untagged,
    contactTag ids learned, and address -> (constituents, reason) Prospect2 refused.
    ``owners``: more owners of addresses an earlier batch imported (the ledger learns them;
    whether that import was refused is that batch's to say)."""
    batch_no: int
    tagged: list[tuple[str, int]] = field(default_factory=list)
    owners: list[tuple[str, int]] = field(default_factory=list)
    untagged: list[str] = field(default_factory=list)
    associations: dict[str, str] = field(default_factory=dict)
    rejected: dict[str, tuple[list[int], str]] = field(default_factory=dict)
    #: A purpose update: how many of its addresses Tessitura holds no more (``not_found``).
    not_found: int = 0


@dataclass(frozen=True)
class SyncPlanPart:
    """One part of a frozen run plan, in the order it was frozen: a batch to send, or a note
    of how far the plan got (``kind`` says which; the payload is the run plan's to read)."""
    part_no: int
    kind: str
    payload: bytes


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
    """Resources and the header; ``changing(what)``: one change, atomic, moving the serial."""
    url: str

    def header(self) -> StateHeader: ...
    def resources(self) -> dict[str, ResourceRecord]: ...
    def get(self, address: str) -> ResourceRecord | None: ...
    def put(self, record: ResourceRecord) -> None: ...
    def remove(self, address: str) -> None: ...
    def changing(self, what: str) -> AbstractContextManager[None]: ...


class ApplyJournal(Protocol):
    """``begin_apply`` moves the serial; ``journal`` holds the addresses a plan finished."""
    def begin_apply(self, plan_id: str) -> int: ...
    def finish_apply(self, plan_id: str) -> None: ...
    def journal(self, plan_id: str) -> set[str]: ...
    def mark_done(self, plan_id: str, address: str) -> None: ...


class StateLocks(Protocol):
    """Named locks: "state" (the write lock) and ``sync_lock(address)`` (one Data Sync's runs),
    each refused while its holder runs, then taken over."""
    def acquire_lock(self, holder: str, command: str, name: str = "state") -> None: ...
    def release_lock(self, holder: str, name: str = "state") -> None: ...
    def lock_info(self, name: str = "state") -> LockInfo | None: ...
    def live_lock(self) -> LockInfo | None: ...
    def force_unlock(self) -> LockInfo | None: ...
    def locked(self, holder: str, command: str) -> AbstractContextManager[None]: ...


def sync_lock(address: str) -> str:
    """The name of the lock a run of Data Sync ``address`` holds."""
    return f"sync:{address}"


class WritebackLedgers(Protocol):
    """Campaign ledgers: started once, then progress; recipients are never rewritten."""
    def writeback_statuses(self) -> dict[str, str]: ...
    def writeback_ledger(self, campaign_id: str) -> WritebackLedger | None: ...
    def start_writeback(self, ledger: WritebackLedger) -> None: ...
    def update_writeback_progress(self, ledger: WritebackLedger) -> None: ...


class SyncPlans(Protocol):
    """Where a run plan is frozen part by part (the state; a scratch store for previews)."""
    def sync_plan(self, sync_id: str) -> tuple[str, bytes] | None: ...
    def freeze_sync_plan(self, sync_id: str, run_id: str, payload: bytes) -> None: ...
    def extend_sync_plan(self, sync_id: str, run_id: str, parts: Sequence[SyncPlanPart],
                         addresses: Iterable[str] = (),
                         digests: Iterable[tuple[int, int]] = ()) -> None: ...
    def sync_plan_parts(self, sync_id: str, run_id: str, after: int = -1,
                        limit: int = 100) -> list[SyncPlanPart]: ...
    def sync_plan_last(self, sync_id: str, run_id: str,
                       kind: str | None = None) -> SyncPlanPart | None: ...
    def drop_sync_plan_parts(self, sync_id: str, run_id: str, after: int) -> None: ...
    def sync_planned(self, sync_id: str, run_id: str, addresses: Sequence[str]) -> set[str]: ...
    def sync_planned_page(self, sync_id: str, run_id: str, after: str,
                          limit: int) -> list[str]: ...
    def discard_sync_plans(self, sync_id: str, keep_run_id: str | None) -> None: ...


class SyncRuns(SyncPlans, Protocol):
    """Data Sync baselines, run plans, batch journal, ledger, rejections, value digests, log."""
    def sync_baseline(self, sync_id: str) -> SyncBaseline | None: ...
    def sync_batches_done(self, sync_id: str, run_id: str) -> set[int]: ...
    def record_sync_batch(self, sync_id: str, run_id: str, batch: SyncBatchRecord) -> None: ...
    def sync_batches_not_found(self, sync_id: str, run_id: str) -> dict[int, int]: ...
    def finish_sync_plan(self, sync_id: str, run_id: str, baseline: SyncBaseline,
                         forget_owners: list[int], forget_rejected: list[int]) -> None: ...
    def sync_ledger(self, sync_id: str) -> dict[str, set[int]]: ...
    def sync_ledger_of(self, sync_id: str, constituents: Iterable[int] = (),
                       addresses: Iterable[str] = ()) -> dict[str, set[int]]: ...
    def sync_associations(self, sync_id: str) -> dict[str, str]: ...
    def save_sync_associations(self, sync_id: str, associations: dict[str, str]) -> None: ...
    def sync_rejected(self, sync_id: str) -> list[tuple[str, int, str]]: ...
    def sync_digests(self, sync_id: str, constituent_ids: list[int]) -> dict[int, int]: ...
    def log_sync_run(self, entry: SyncRunLogEntry) -> None: ...
    def sync_runs(self, address: str | None, since: str) -> list[SyncRunLogEntry]: ...


class StateStore(ResourceState, ApplyJournal, StateLocks, WritebackLedgers, SyncRuns, Protocol):
    """One team's state: writes are atomic, any thread may call it. ``exists`` is False for the
    stand-in a read-only open gives where there is no state; ``backup_url``: backup n's place."""
    exists: bool

    def dump_rows(self) -> Rows: ...
    def load_rows(self, tables: Rows) -> None: ...
    def backup_url(self, serial: int, n: int) -> str: ...
    def close(self) -> None: ...
