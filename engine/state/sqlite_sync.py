"""SQLite storage of Data Sync runs: what a crash must not lose (seed 003, spec §4).

Every method that changes more than one row does it in one ``BEGIN IMMEDIATE`` transaction,
so a ``kill -9`` leaves either the whole batch journaled with its ledger effects or none of it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from engine.errors import StateError
from engine.state.base import (
    LockInfo,
    SyncBaseline,
    SyncBatchRecord,
    SyncRunLogEntry,
    SyncStateStore,
)

#: ``sync log`` keeps this many days (seed 003: the Activity Log keeps 30 days).
RUN_LOG_DAYS = 30
#: Constituent ids per digest look-up (SQLite binds at most 32,766 parameters).
DIGEST_QUERY = 900


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SqliteSyncState(SyncStateStore):
    """Mixed into ``SqliteState``; uses its autocommit connection ``self.db``."""

    db: sqlite3.Connection
    url: str

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def sync_baseline(self, sync_id: str) -> SyncBaseline | None:
        row = self.db.execute("SELECT members, audit_until, updated_at FROM sync_baseline "
                              "WHERE sync_id = ?", (sync_id,)).fetchone()
        return SyncBaseline(sync_id, bytes(row[0]), row[1], row[2]) if row else None

    def sync_plan(self, sync_id: str) -> tuple[str, bytes] | None:
        row = self.db.execute("SELECT run_id, payload FROM sync_plan WHERE sync_id = ?",
                              (sync_id,)).fetchone()
        return (row[0], bytes(row[1])) if row else None

    def freeze_sync_plan(self, sync_id: str, run_id: str, payload: bytes) -> None:
        try:
            self.db.execute("INSERT INTO sync_plan VALUES (?, ?, ?, ?)",
                            (sync_id, run_id, payload, _now()))
        except sqlite3.IntegrityError:
            raise StateError(f"Data Sync {sync_id} already has an unfinished run in state "
                             f"{self.url}") from None

    def sync_batches_done(self, sync_id: str, run_id: str) -> set[int]:
        rows = self.db.execute("SELECT batch_no FROM sync_batch_journal WHERE sync_id = ? AND "
                               "run_id = ?", (sync_id, run_id))
        return {r[0] for r in rows}

    def record_sync_batch(self, sync_id: str, run_id: str, batch: SyncBatchRecord) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO sync_batch_journal VALUES (?, ?, ?, ?)",
                       (sync_id, run_id, batch.batch_no, _now()))
            db.executemany("INSERT OR IGNORE INTO sync_ledger VALUES (?, ?, ?)",
                           ((sync_id, a, c) for a, c in batch.tagged))
            accepted = {a for a, _ in batch.tagged}
            db.executemany("DELETE FROM sync_rejected WHERE sync_id = ? AND address = ?",
                           ((sync_id, a) for a in accepted))
            for table in ("sync_ledger", "sync_association", "sync_rejected"):
                db.executemany(f"DELETE FROM {table} WHERE sync_id = ? AND address = ?",
                               ((sync_id, a) for a in batch.untagged))
            db.executemany("INSERT OR REPLACE INTO sync_association VALUES (?, ?, ?)",
                           ((sync_id, a, i) for a, i in batch.associations.items()))
            stamp = _now()
            db.executemany("INSERT OR REPLACE INTO sync_rejected VALUES (?, ?, ?, ?, ?)",
                           ((sync_id, a, c, reason, stamp)
                            for a, (owners, reason) in batch.rejected.items() for c in owners))

    def finish_sync_plan(self, sync_id: str, run_id: str, baseline: SyncBaseline,
                         forget_owners: list[int], forget_rejected: list[int]) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO sync_baseline VALUES (?, ?, ?, ?)",
                       (sync_id, baseline.members, baseline.audit_until, _now()))
            db.executemany("DELETE FROM sync_ledger WHERE sync_id = ? AND constituent_id = ?",
                           _pairs(sync_id, forget_owners))
            db.executemany("DELETE FROM sync_rejected WHERE sync_id = ? AND constituent_id = ?",
                           _pairs(sync_id, forget_rejected))
            db.execute("DELETE FROM sync_plan WHERE sync_id = ? AND run_id = ?",
                       (sync_id, run_id))
            db.execute("DELETE FROM sync_batch_journal WHERE sync_id = ? AND run_id = ?",
                       (sync_id, run_id))

    def sync_ledger(self, sync_id: str) -> dict[str, set[int]]:
        ledger: dict[str, set[int]] = {}
        for address, constituent in self.db.execute(
                "SELECT address, constituent_id FROM sync_ledger WHERE sync_id = ?",
                (sync_id,)):
            ledger.setdefault(address, set()).add(constituent)
        return ledger

    def sync_associations(self, sync_id: str) -> dict[str, str]:
        rows = self.db.execute("SELECT address, association_id FROM sync_association WHERE "
                               "sync_id = ?", (sync_id,))
        return {r[0]: r[1] for r in rows}

    def save_sync_associations(self, sync_id: str, associations: dict[str, str]) -> None:
        with self._transaction() as db:
            db.executemany("INSERT OR REPLACE INTO sync_association VALUES (?, ?, ?)",
                           ((sync_id, a, i) for a, i in associations.items()))

    def sync_rejected(self, sync_id: str) -> list[tuple[str, int, str]]:
        rows = self.db.execute("SELECT address, constituent_id, reason FROM sync_rejected "
                               "WHERE sync_id = ? ORDER BY address", (sync_id,))
        return [(r[0], r[1], r[2]) for r in rows]

    def sync_digests(self, sync_id: str, constituent_ids: list[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for start in range(0, len(constituent_ids), DIGEST_QUERY):
            chunk = [int(i) for i in constituent_ids[start:start + DIGEST_QUERY]]
            rows = self.db.execute(
                "SELECT constituent_id, digest FROM sync_value_digest WHERE sync_id = ? AND "
                f"constituent_id IN ({', '.join('?' for _ in chunk)})", (sync_id, *chunk))
            found.update((r[0], r[1]) for r in rows)
        return found

    def record_sync_digests(self, sync_id: str, digests: Iterable[tuple[int, int]],
                            forget: Iterable[int]) -> None:
        with self._transaction() as db:
            db.executemany("DELETE FROM sync_value_digest WHERE sync_id = ? AND "
                           "constituent_id = ?", _pairs(sync_id, forget))
            db.executemany("INSERT OR REPLACE INTO sync_value_digest VALUES (?, ?, ?)",
                           ((sync_id, int(c), int(d)) for c, d in digests))

    def acquire_sync_lock(self, address: str, holder: str,
                          steal_from: str | None = None) -> None:
        with self._transaction() as db:
            row = db.execute("SELECT holder FROM sync_lock WHERE address = ?",
                             (address,)).fetchone()
            if row is None or (steal_from is not None and row[0] == steal_from):
                db.execute("INSERT OR REPLACE INTO sync_lock VALUES (?, ?, ?)",
                           (address, holder, _now()))
                return
        info = self.sync_lock(address)
        detail = info.describe() if info else "held by another run"
        raise StateError(f"{address} is already running: lock {detail}")

    def release_sync_lock(self, address: str, holder: str) -> None:
        self.db.execute("DELETE FROM sync_lock WHERE address = ? AND holder = ?",
                        (address, holder))

    def sync_lock(self, address: str) -> LockInfo | None:
        row = self.db.execute("SELECT holder, since FROM sync_lock WHERE address = ?",
                              (address,)).fetchone()
        return LockInfo(row[0], "sync run", row[1]) if row else None

    def log_sync_run(self, entry: SyncRunLogEntry) -> None:
        cutoff = (datetime.now(UTC) - timedelta(days=RUN_LOG_DAYS)).isoformat(
            timespec="seconds")
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO sync_run_log VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (entry.run_id, entry.sync_id, entry.address, entry.started_at,
                        entry.finished_at, entry.status,
                        json.dumps(entry.summary, sort_keys=True)))
            db.execute("DELETE FROM sync_run_log WHERE started_at < ?", (cutoff,))

    def sync_runs(self, address: str | None, since: str) -> list[SyncRunLogEntry]:
        query = ("SELECT run_id, sync_id, address, started_at, finished_at, status, summary "
                 "FROM sync_run_log WHERE started_at >= ?")
        args: tuple[str, ...] = (since,)
        if address is not None:
            query += " AND address = ?"
            args += (address,)
        rows = self.db.execute(query + " ORDER BY started_at, run_id", args)
        return [SyncRunLogEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]))
                for r in rows]


def _pairs(sync_id: str, ids: Iterable[int]) -> Iterator[tuple[str, int]]:
    return ((sync_id, int(i)) for i in ids)
