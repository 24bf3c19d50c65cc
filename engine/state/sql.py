"""The state in SQL, written once; a backend says what it spells its own way and how it holds
a lock. Statements run under one mutex, so async code calls a store in a worker thread
(``asyncio.to_thread``) and a PostgreSQL round trip never blocks the event loop; a write of
more than one row is one transaction, so a ``kill -9`` leaves all of it or none of it."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from functools import partialmethod
from typing import Any

from engine.errors import StateError
from engine.state import base as b
from engine.state.schema import BOOLEAN_COLUMNS, DATA_TABLES, MIGRATIONS

log = logging.getLogger(__name__)
RUN_LOG_DAYS = 30  # ``sync log`` keeps 30 days, as the Activity Log does (seed 003)
DIGEST_QUERY = 900  # constituent ids a digest look-up binds (SQLite allows 32,766)
RESOURCE = ("address", "kind", "name", "remote_id", "fields", "prevent_destroy", "updated_at")
LEDGER = tuple(f.name for f in fields(b.WritebackLedger))
PROGRESS = ("source_id", "batches_confirmed", "inserted", "skipped", "status", "updated_at")
RUN_LOG = ("run_id", "sync_id", "address", "started_at", "finished_at", "status", "summary")
REJECTED = ("sync_id", "address", "constituent_id", "reason", "seen_at")
DIGEST = ("sync_id", "constituent_id", "digest")
#: What to do about a state that cannot be used, said wherever one is refused.
RESTORE = ("Move it aside and restore a backup in its place (a copy, or the '.backup-SERIAL' "
           "that 'state copy --force' kept), or 'callboard state copy GOOD_STATE' to it.")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def upsert(table: str, columns: Sequence[str], keys: Sequence[str]) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
            f"({', '.join('?' for _ in columns)}) ON CONFLICT ({', '.join(keys)}) "
            f"DO UPDATE SET {updates}")


class SqlState:
    """All but the connection, its bootstrap and lock liveness. ``certain``: ``_alive`` knows
    (PostgreSQL sees sessions, SQLite only this host's processes)."""

    begin, marker, exists, certain = "BEGIN", "?", True, False
    session: str | None = None  # the PostgreSQL session that holds the locks it writes
    busy_hint: str  # what a user the state lock blocks can do
    words: dict[str, str]  # how this backend spells the schema's words
    errors: tuple[type[Exception], ...] = ()  # the driver's, each reported through _fault

    def __init__(self, url: str, db: Any) -> None:
        self.url, self.db = url, db
        self._mutex, self._depth = threading.RLock(), 0

    # Each backend versions its schema and knows whether a lock's holder still runs.
    def _version(self) -> int: raise NotImplementedError
    def _set_version(self, version: int) -> None: raise NotImplementedError
    def _alive(self, name: str, held: b.LockInfo) -> bool: raise NotImplementedError

    def _fault(self, exc: Exception) -> StateError:
        return StateError(f"state {self.url}: {exc}")

    @contextmanager
    def _guard(self) -> Iterator[None]:
        with self._mutex:
            try:
                yield
            except self.errors as exc:
                raise self._fault(exc) from None

    def _run(self, sql: str, args: Sequence[Any] = (), fetch: str | None = None) -> Any:
        """One statement under the mutex: its row count, or ``fetch`` "fetchone"/"fetchall"."""
        with self._guard():
            cursor = self.db.execute(sql.replace("?", self.marker), args)
            return getattr(cursor, fetch)() if fetch else cursor.rowcount

    _all = partialmethod(_run, fetch="fetchall")  # every row
    _one = partialmethod(_run, fetch="fetchone")  # the first row, or None

    def _many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = list(rows)
        with self._guard(), closing(self.db.cursor()) as cursor:
            if batch:
                cursor.executemany(sql.replace("?", self.marker), batch)

    @contextmanager
    def _tx(self) -> Iterator[None]:
        """One transaction; a nested one joins it."""
        with self._mutex:
            outer = not self._depth
            if outer:
                self._run(self.begin)
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth = 0
                with suppress(Exception):  # the original error is the one to report
                    self.db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._run("COMMIT")

    def _migrate(self, *, new: bool) -> None:
        """Bring the schema forward in one transaction; an old state without one is refused."""
        with self._tx():
            version, latest = self._version(), len(MIGRATIONS)
            if version == 0 and not new:
                raise StateError(f"state {self.url} holds no Callboard tables: it is not a "
                                 f"Callboard state, or it was damaged. {RESTORE}")
            if version > latest:
                raise StateError(f"state {self.url} has schema version {version}, newer than "
                                 f"this Callboard understands ({latest}): a newer Callboard "
                                 "wrote it. Upgrade Callboard, or restore a backup.")
            for migration in MIGRATIONS[version:latest]:  # in this backend's words
                for statement in filter(str.strip, migration.format(**self.words).split(";")):
                    self._run(statement)
            if version == 0:
                self._run("INSERT INTO meta VALUES ('lineage', ?), ('serial', '0')",
                          (str(uuid.uuid4()),))
            if version < latest:
                self._set_version(latest)

    def header(self) -> b.StateHeader:
        meta = dict(self._all("SELECT key, value FROM meta"))
        return b.StateHeader(meta.get("lineage", ""), int(meta.get("serial", 0)), *map(
            meta.get, ("applying_plan", "last_applied_plan", "last_change")))

    def _set_meta(self, key: str, value: str) -> None:
        self._run(upsert("meta", ("key", "value"), ("key",)), (key, value))

    def _move_serial(self, what: str) -> int:
        with self._tx():
            self._run("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
                      "WHERE key = 'serial'")
            self._set_meta("last_change", what)
            return int(self._one("SELECT value FROM meta WHERE key = 'serial'")[0])

    @contextmanager
    def changing(self, what: str) -> Iterator[None]:
        with self._tx():
            yield
            self._move_serial(what)

    def _records(self, where: str = "", args: Sequence[Any] = ()) -> list[b.ResourceRecord]:
        rows = self._all(f"SELECT {', '.join(RESOURCE)} FROM resources {where} "
                         "ORDER BY address", args)
        return [b.ResourceRecord(*r[:4], json.loads(r[4]), bool(r[5]), r[6]) for r in rows]

    def resources(self) -> dict[str, b.ResourceRecord]:
        return {r.address: r for r in self._records()}

    def get(self, address: str) -> b.ResourceRecord | None:
        return next(iter(self._records("WHERE address = ?", (address,))), None)

    def put(self, record: b.ResourceRecord) -> None:
        self._run(upsert("resources", RESOURCE, ("address",)),
                  (*[getattr(record, c) for c in RESOURCE[:4]],
                   json.dumps(record.fields, sort_keys=True), bool(record.prevent_destroy),
                   now_iso()))

    def remove(self, address: str) -> None:
        self._run("DELETE FROM resources WHERE address = ?", (address,))

    def begin_apply(self, plan_id: str) -> int:
        with self._tx():
            self._set_meta("applying_plan", plan_id)
            return self._move_serial(f"apply of plan {plan_id}")

    def finish_apply(self, plan_id: str) -> None:
        with self._tx():
            self._run("DELETE FROM meta WHERE key = 'applying_plan' AND value = ?", (plan_id,))
            self._run("DELETE FROM apply_journal WHERE plan_id = ?", (plan_id,))
            self._set_meta("last_applied_plan", plan_id)

    def journal(self, plan_id: str) -> set[str]:
        return {r[0] for r in self._all("SELECT address FROM apply_journal WHERE plan_id = ?",
                                        (plan_id,))}

    def mark_done(self, plan_id: str, address: str) -> None:
        self._run("INSERT INTO apply_journal VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                  (plan_id, address, now_iso()))

    def writeback_statuses(self) -> dict[str, str]:
        return dict(self._all("SELECT campaign_id, status FROM writeback_ledger"))

    def writeback_ledger(self, campaign_id: str) -> b.WritebackLedger | None:
        row = self._one(f"SELECT {', '.join(LEDGER)} FROM writeback_ledger "
                        "WHERE campaign_id = ?", (campaign_id,))
        ids = LEDGER.index("constituent_ids")
        return b.WritebackLedger(*row[:ids], json.loads(row[ids]), *row[ids + 1:]) if row else None

    def start_writeback(self, ledger: b.WritebackLedger) -> None:
        ledger.started_at = ledger.updated_at = now_iso()
        values = {**vars(ledger), "constituent_ids": json.dumps(ledger.constituent_ids,
                                                                separators=(",", ":"))}
        if self._run(f"INSERT INTO writeback_ledger ({', '.join(LEDGER)}) VALUES "
                     f"({', '.join('?' for _ in LEDGER)}) ON CONFLICT DO NOTHING",
                     [values[c] for c in LEDGER]) != 1:
            raise StateError(f"campaign {ledger.campaign_id} already has a writeback ledger in "
                             f"state {self.url}")

    def update_writeback_progress(self, ledger: b.WritebackLedger) -> None:
        ledger.updated_at = now_iso()
        if self._run(f"UPDATE writeback_ledger SET {', '.join(f'{c} = ?' for c in PROGRESS)} "
                     "WHERE campaign_id = ?",
                     [*(getattr(ledger, c) for c in PROGRESS), ledger.campaign_id]) != 1:
            raise StateError(f"campaign {ledger.campaign_id} has no writeback ledger in state "
                             f"{self.url}")

    def sync_baseline(self, sync_id: str) -> b.SyncBaseline | None:
        row = self._one("SELECT members, audit_until, updated_at FROM sync_baseline "
                        "WHERE sync_id = ?", (sync_id,))
        return b.SyncBaseline(sync_id, bytes(row[0]), row[1], row[2]) if row else None

    def sync_plan(self, sync_id: str) -> tuple[str, bytes] | None:
        row = self._one("SELECT run_id, payload FROM sync_plan WHERE sync_id = ?", (sync_id,))
        return (row[0], bytes(row[1])) if row else None

    def freeze_sync_plan(self, sync_id: str, run_id: str, payload: bytes) -> None:
        if self._run("INSERT INTO sync_plan VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                     (sync_id, run_id, payload, now_iso())) != 1:
            raise StateError(f"Data Sync {sync_id} already has an unfinished run in state "
                             f"{self.url}")

    def sync_batches_done(self, sync_id: str, run_id: str) -> set[int]:
        return {r[0] for r in self._all("SELECT batch_no FROM sync_batch_journal "
                                        "WHERE sync_id = ? AND run_id = ?", (sync_id, run_id))}

    def record_sync_batch(self, sync_id: str, run_id: str, batch: b.SyncBatchRecord) -> None:
        stamp = now_iso()
        with self._tx():
            self._run("INSERT INTO sync_batch_journal VALUES (?, ?, ?, ?) "
                      "ON CONFLICT DO NOTHING", (sync_id, run_id, batch.batch_no, stamp))
            self._many("INSERT INTO sync_ledger VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                       ((sync_id, a, c) for a, c in batch.tagged))
            self._forget(sync_id, "address", {a for a, _ in batch.tagged}, "sync_rejected")
            self._forget(sync_id, "address", batch.untagged, "sync_ledger", "sync_association",
                         "sync_rejected")
            self.save_sync_associations(sync_id, batch.associations)
            self._many(upsert("sync_rejected", REJECTED, REJECTED[:3]),
                       ((sync_id, a, c, reason, stamp)
                        for a, (owners, reason) in batch.rejected.items() for c in owners))

    def _forget(self, sync_id: str, column: str, values: Iterable[Any], *tables: str) -> None:
        for table in tables:
            self._many(f"DELETE FROM {table} WHERE sync_id = ? AND {column} = ?",
                       ((sync_id, v) for v in sorted(values)))

    def finish_sync_plan(self, sync_id: str, run_id: str, baseline: b.SyncBaseline,
                         forget_owners: list[int], forget_rejected: list[int]) -> None:
        with self._tx():
            self._run(upsert("sync_baseline", ("sync_id", "members", "audit_until",
                                               "updated_at"), ("sync_id",)),
                      (sync_id, baseline.members, baseline.audit_until, now_iso()))
            self._forget(sync_id, "constituent_id", map(int, forget_owners), "sync_ledger")
            self._forget(sync_id, "constituent_id", map(int, forget_rejected), "sync_rejected")
            self._forget(sync_id, "run_id", [run_id], "sync_plan", "sync_batch_journal")

    def sync_ledger(self, sync_id: str) -> dict[str, set[int]]:
        ledger: dict[str, set[int]] = {}
        for address, constituent in self._all("SELECT address, constituent_id FROM "
                                              "sync_ledger WHERE sync_id = ?", (sync_id,)):
            ledger.setdefault(address, set()).add(constituent)
        return ledger

    def sync_associations(self, sync_id: str) -> dict[str, str]:
        return dict(self._all("SELECT address, association_id FROM sync_association "
                              "WHERE sync_id = ?", (sync_id,)))

    def save_sync_associations(self, sync_id: str, associations: dict[str, str]) -> None:
        with self._tx():
            self._many(upsert("sync_association", ("sync_id", "address", "association_id"),
                              ("sync_id", "address")),
                       ((sync_id, a, i) for a, i in associations.items()))

    def sync_rejected(self, sync_id: str) -> list[tuple[str, int, str]]:
        return self._all("SELECT address, constituent_id, reason FROM sync_rejected "
                         "WHERE sync_id = ? ORDER BY address, constituent_id", (sync_id,))

    def sync_digests(self, sync_id: str, constituent_ids: list[int]) -> dict[int, int]:
        chunks = [[int(i) for i in constituent_ids[n:n + DIGEST_QUERY]]
                  for n in range(0, len(constituent_ids), DIGEST_QUERY)]
        return dict(row for chunk in chunks for row in self._all(
            "SELECT constituent_id, digest FROM sync_value_digest WHERE sync_id = ? AND "
            f"constituent_id IN ({', '.join('?' * len(chunk))})", (sync_id, *chunk)))

    def record_sync_digests(self, sync_id: str, digests: Iterable[tuple[int, int]],
                            forget: Iterable[int]) -> None:
        with self._tx():
            self._forget(sync_id, "constituent_id", map(int, forget), "sync_value_digest")
            self._many(upsert("sync_value_digest", DIGEST, DIGEST[:2]),
                       ((sync_id, int(c), int(d)) for c, d in digests))

    def log_sync_run(self, entry: b.SyncRunLogEntry) -> None:
        cutoff = (datetime.now(UTC) - timedelta(days=RUN_LOG_DAYS)).isoformat(timespec="seconds")
        with self._tx():
            self._run(upsert("sync_run_log", RUN_LOG, ("run_id",)),
                      (*[getattr(entry, c) for c in RUN_LOG[:-1]],
                       json.dumps(entry.summary, sort_keys=True)))
            self._run("DELETE FROM sync_run_log WHERE started_at < ?", (cutoff,))

    def sync_runs(self, address: str | None, since: str) -> list[b.SyncRunLogEntry]:
        where = " AND address = ?" if address is not None else ""
        args = (since, address) if where else (since,)
        rows = self._all(f"SELECT {', '.join(RUN_LOG)} FROM sync_run_log WHERE started_at >= "
                         f"?{where} ORDER BY started_at, run_id", args)
        return [b.SyncRunLogEntry(*r[:6], json.loads(r[6])) for r in rows]

    def dump_rows(self) -> b.Rows:
        """Every data row, backend-neutral (booleans as bool), sorted for comparing."""
        tables: b.Rows = {}
        with self._guard():
            for table in DATA_TABLES:
                cursor = self.db.execute(f"SELECT * FROM {table}")
                columns = [d[0] for d in cursor.description]
                rows = [{c: bool(v) if c in BOOLEAN_COLUMNS else v
                         for c, v in zip(columns, row, strict=True)} for row in cursor.fetchall()]
                tables[table] = sorted(rows, key=lambda row: repr(sorted(row.items())))
        return tables

    def load_rows(self, tables: b.Rows) -> None:
        """Replace every data row with ``tables``, in one transaction."""
        with self._tx():
            for table in DATA_TABLES:
                self._run(f"DELETE FROM {table}")
                columns = list(tables[table][0]) if tables[table] else []
                self._many(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                           f"({', '.join('?' for _ in columns)})",
                           (tuple(row[c] for c in columns) for row in tables[table]))

    def _lock(self, name: str) -> b.LockInfo | None:
        row = self._one("SELECT holder, command, since FROM locks WHERE name = ?", (name,))
        return b.LockInfo(*row) if row else None

    def _acquire(self, name: str, holder: str, command: str, refusal: str) -> None:
        """Take lock ``name``, or the row of a holder that ended (compare-and-swap)."""
        with self._tx():
            held, taken = self._lock(name), 0
            mine = (holder, command, now_iso(), self.session, name)
            if held is None:
                taken = self._run("INSERT INTO locks (holder, command, since, session, name) "
                                  "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", mine)
            elif not self._alive(name, held):
                taken = self._run("UPDATE locks SET holder = ?, command = ?, since = ?, "
                                  "session = ? WHERE name = ? AND holder = ? AND since = ?",
                                  (*mine, held.holder, held.since))
        if not taken:
            held = self._lock(name)
            raise StateError(refusal.format(detail=held.describe() if held else "taken"))
        if held is not None:
            log.warning("state: taking over the lock %s: that run has ended", held.describe())

    def acquire_lock(self, holder: str, command: str) -> None:
        self._acquire("state", holder, command,
                      f"state {self.url} is locked: {{detail}}. {self.busy_hint}")

    def release_lock(self, holder: str) -> None:
        self._run("DELETE FROM locks WHERE name = 'state' AND holder = ?", (holder,))

    def lock_info(self) -> b.LockInfo | None:
        return self._lock("state")

    def live_lock(self) -> b.LockInfo | None:
        info = self._lock("state")
        return info if info is not None and self._alive("state", info) else None

    def force_unlock(self) -> b.LockInfo | None:
        """Forget the lock of a run that ended; a holder known to be alive keeps it."""
        info = self._lock("state")
        if info is not None and self.certain and self._alive("state", info):
            raise StateError(f"state {self.url} is locked by a run that is still connected: "
                             f"{info.describe()}. It is released when that run ends; stop it "
                             "instead of unlocking.")
        self._run("DELETE FROM locks WHERE name = 'state'")
        return info

    @contextmanager
    def locked(self, holder: str, command: str) -> Iterator[None]:
        self.acquire_lock(holder, command)
        try:
            yield
        finally:
            self.release_lock(holder)

    def acquire_sync_lock(self, address: str, holder: str) -> None:
        self._acquire(f"sync:{address}", holder, "sync run",
                      f"{address} is already running: lock {{detail}}")

    def release_sync_lock(self, address: str, holder: str) -> None:
        self._run("DELETE FROM locks WHERE name = ? AND holder = ?", (f"sync:{address}", holder))

    def sync_lock(self, address: str) -> b.LockInfo | None:
        return self._lock(f"sync:{address}")

    def close(self) -> None:
        with self._mutex:
            self.db.close()
