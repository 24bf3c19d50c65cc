"""PostgreSQL storage of Data Sync runs, and the advisory locks both lock kinds stand on.

Mirrors ``engine.state.sqlite_sync``: every change of more than one row is one transaction,
so a killed run leaves a batch either wholly journaled with its ledger effects or not at all.
Per-sync locks are advisory locks keyed by the sync's address, released when the holder's
connection dies, so a crashed run never blocks the next one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from engine.errors import StateError
from engine.state.base import (
    LockInfo,
    SyncBaseline,
    SyncBatchRecord,
    SyncRunLogEntry,
    SyncStateStore,
)
from engine.state.postgres_connect import advisory_key

#: ``sync log`` keeps this many days (seed 003: the Activity Log keeps 30 days).
RUN_LOG_DAYS = 30


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def sync_lock_key(address: str) -> int:
    return advisory_key(f"callboard:sync:{address}")


class PostgresSyncState(SyncStateStore):
    """Mixed into ``PostgresState``; uses its autocommit connection ``self.db``."""

    db: psycopg.Connection[Any]
    url: str
    _held_sync_keys: dict[str, int]

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection[Any]]:
        with self.db.transaction():
            yield self.db

    def _try_advisory(self, key: int) -> bool:
        return bool(self.db.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0])

    def _release_advisory(self, key: int) -> None:
        self.db.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def _advisory_held_elsewhere(self, key: int) -> bool:
        """Whether another live session holds advisory lock ``key`` in this database."""
        unsigned = key & 0xFFFFFFFFFFFFFFFF
        row = self.db.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND d.datname = current_database() "
            "AND l.classid::bigint = %s AND l.objid::bigint = %s AND l.objsubid = 1 "
            "AND l.granted AND l.pid <> pg_backend_pid())",
            (unsigned >> 32, unsigned & 0xFFFFFFFF)).fetchone()
        return bool(row[0])

    def sync_baseline(self, sync_id: str) -> SyncBaseline | None:
        row = self.db.execute("SELECT members, audit_until, updated_at FROM sync_baseline "
                              "WHERE sync_id = %s", (sync_id,)).fetchone()
        return SyncBaseline(sync_id, bytes(row[0]), row[1], row[2]) if row else None

    def sync_plan(self, sync_id: str) -> tuple[str, bytes] | None:
        row = self.db.execute("SELECT run_id, payload FROM sync_plan WHERE sync_id = %s",
                              (sync_id,)).fetchone()
        return (row[0], bytes(row[1])) if row else None

    def freeze_sync_plan(self, sync_id: str, run_id: str, payload: bytes) -> None:
        with self._transaction() as db:
            inserted = db.execute("INSERT INTO sync_plan VALUES (%s, %s, %s, %s) "
                                  "ON CONFLICT DO NOTHING",
                                  (sync_id, run_id, payload, now_iso())).rowcount
        if inserted != 1:
            raise StateError(f"Data Sync {sync_id} already has an unfinished run in state "
                             f"{self.url}")

    def sync_batches_done(self, sync_id: str, run_id: str) -> set[int]:
        rows = self.db.execute("SELECT batch_no FROM sync_batch_journal WHERE sync_id = %s "
                               "AND run_id = %s", (sync_id, run_id))
        return {r[0] for r in rows}

    def record_sync_batch(self, sync_id: str, run_id: str, batch: SyncBatchRecord) -> None:
        stamp = now_iso()
        with self._transaction() as db, db.cursor() as cur:
            cur.execute("INSERT INTO sync_batch_journal VALUES (%s, %s, %s, %s) "
                        "ON CONFLICT DO NOTHING", (sync_id, run_id, batch.batch_no, stamp))
            cur.executemany("INSERT INTO sync_ledger VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                            [(sync_id, a, c) for a, c in batch.tagged])
            accepted = sorted({a for a, _ in batch.tagged})
            cur.executemany("DELETE FROM sync_rejected WHERE sync_id = %s AND address = %s",
                            [(sync_id, a) for a in accepted])
            for table in ("sync_ledger", "sync_association", "sync_rejected"):
                cur.executemany(f"DELETE FROM {table} WHERE sync_id = %s AND address = %s",
                                [(sync_id, a) for a in batch.untagged])
            cur.executemany("INSERT INTO sync_association VALUES (%s, %s, %s) ON CONFLICT "
                            "(sync_id, address) DO UPDATE SET association_id = "
                            "excluded.association_id",
                            [(sync_id, a, i) for a, i in batch.associations.items()])
            cur.executemany("INSERT INTO sync_rejected VALUES (%s, %s, %s, %s, %s) ON CONFLICT "
                            "(sync_id, address, constituent_id) DO UPDATE SET "
                            "reason = excluded.reason, seen_at = excluded.seen_at",
                            [(sync_id, a, c, reason, stamp)
                             for a, (owners, reason) in batch.rejected.items() for c in owners])

    def finish_sync_plan(self, sync_id: str, run_id: str, baseline: SyncBaseline,
                         forget_owners: list[int], forget_rejected: list[int]) -> None:
        with self._transaction() as db:
            db.execute("INSERT INTO sync_baseline VALUES (%s, %s, %s, %s) ON CONFLICT (sync_id) "
                       "DO UPDATE SET members = excluded.members, audit_until = "
                       "excluded.audit_until, updated_at = excluded.updated_at",
                       (sync_id, baseline.members, baseline.audit_until, now_iso()))
            db.execute("DELETE FROM sync_ledger WHERE sync_id = %s AND "
                       "constituent_id = ANY(%s)", (sync_id, [int(i) for i in forget_owners]))
            db.execute("DELETE FROM sync_rejected WHERE sync_id = %s AND "
                       "constituent_id = ANY(%s)", (sync_id, [int(i) for i in forget_rejected]))
            db.execute("DELETE FROM sync_plan WHERE sync_id = %s AND run_id = %s",
                       (sync_id, run_id))
            db.execute("DELETE FROM sync_batch_journal WHERE sync_id = %s AND run_id = %s",
                       (sync_id, run_id))

    def sync_digests(self, sync_id: str, constituent_ids: list[int]) -> dict[int, int]:
        rows = self.db.execute("SELECT constituent_id, digest FROM sync_value_digest WHERE "
                               "sync_id = %s AND constituent_id = ANY(%s)",
                               (sync_id, [int(i) for i in constituent_ids]))
        return {int(r[0]): int(r[1]) for r in rows}

    def record_sync_digests(self, sync_id: str, digests: Iterable[tuple[int, int]],
                            forget: Iterable[int]) -> None:
        with self._transaction() as db, db.cursor() as cur:
            cur.execute("DELETE FROM sync_value_digest WHERE sync_id = %s AND "
                        "constituent_id = ANY(%s)", (sync_id, [int(i) for i in forget]))
            cur.executemany("INSERT INTO sync_value_digest VALUES (%s, %s, %s) ON CONFLICT "
                            "(sync_id, constituent_id) DO UPDATE SET digest = excluded.digest",
                            [(sync_id, int(c), int(d)) for c, d in digests])

    def sync_ledger(self, sync_id: str) -> dict[str, set[int]]:
        ledger: dict[str, set[int]] = {}
        for address, constituent in self.db.execute(
                "SELECT address, constituent_id FROM sync_ledger WHERE sync_id = %s",
                (sync_id,)):
            ledger.setdefault(address, set()).add(constituent)
        return ledger

    def sync_associations(self, sync_id: str) -> dict[str, str]:
        rows = self.db.execute("SELECT address, association_id FROM sync_association WHERE "
                               "sync_id = %s", (sync_id,))
        return {r[0]: r[1] for r in rows}

    def save_sync_associations(self, sync_id: str, associations: dict[str, str]) -> None:
        with self._transaction() as db, db.cursor() as cur:
            cur.executemany("INSERT INTO sync_association VALUES (%s, %s, %s) ON CONFLICT "
                            "(sync_id, address) DO UPDATE SET association_id = "
                            "excluded.association_id",
                            [(sync_id, a, i) for a, i in associations.items()])

    def sync_rejected(self, sync_id: str) -> list[tuple[str, int, str]]:
        rows = self.db.execute("SELECT address, constituent_id, reason FROM sync_rejected "
                               "WHERE sync_id = %s ORDER BY address", (sync_id,))
        return [(r[0], r[1], r[2]) for r in rows]

    def acquire_sync_lock(self, address: str, holder: str,
                          steal_from: str | None = None) -> None:
        """``steal_from`` needs no special case: a dead holder's advisory lock is already free."""
        key = sync_lock_key(address)
        if address in self._held_sync_keys or not self._try_advisory(key):
            info = self.sync_lock(address)
            detail = info.describe() if info else "held by another run"
            raise StateError(f"{address} is already running: lock {detail}")
        self._held_sync_keys[address] = key
        try:
            with self._transaction() as db:
                db.execute("INSERT INTO sync_lock VALUES (%s, %s, %s, pg_backend_pid()) "
                           "ON CONFLICT (address) DO UPDATE SET holder = excluded.holder, "
                           "since = excluded.since, backend_pid = excluded.backend_pid",
                           (address, holder, now_iso()))
        except BaseException:
            self._release_advisory(self._held_sync_keys.pop(address))
            raise

    def release_sync_lock(self, address: str, holder: str) -> None:
        key = self._held_sync_keys.pop(address, None)
        if key is None:
            return
        with self._transaction() as db:
            db.execute("DELETE FROM sync_lock WHERE address = %s AND holder = %s",
                       (address, holder))
        self._release_advisory(key)

    def sync_lock(self, address: str) -> LockInfo | None:
        row = self.db.execute("SELECT holder, since FROM sync_lock WHERE address = %s",
                              (address,)).fetchone()
        return LockInfo(row[0], "sync run", row[1]) if row else None

    def log_sync_run(self, entry: SyncRunLogEntry) -> None:
        cutoff = (datetime.now(UTC) - timedelta(days=RUN_LOG_DAYS)).isoformat(
            timespec="seconds")
        with self._transaction() as db:
            db.execute("INSERT INTO sync_run_log VALUES (%s, %s, %s, %s, %s, %s, %s) "
                       "ON CONFLICT (run_id) DO UPDATE SET sync_id = excluded.sync_id, "
                       "address = excluded.address, started_at = excluded.started_at, "
                       "finished_at = excluded.finished_at, status = excluded.status, "
                       "summary = excluded.summary",
                       (entry.run_id, entry.sync_id, entry.address, entry.started_at,
                        entry.finished_at, entry.status,
                        json.dumps(entry.summary, sort_keys=True)))
            db.execute("DELETE FROM sync_run_log WHERE started_at < %s", (cutoff,))

    def sync_runs(self, address: str | None, since: str) -> list[SyncRunLogEntry]:
        query = ("SELECT run_id, sync_id, address, started_at, finished_at, status, summary "
                 "FROM sync_run_log WHERE started_at >= %s")
        args: tuple[str, ...] = (since,)
        if address is not None:
            query += " AND address = %s"
            args += (address,)
        rows = self.db.execute(query + ' ORDER BY started_at, run_id',
                               args)
        return [SyncRunLogEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]))
                for r in rows]
