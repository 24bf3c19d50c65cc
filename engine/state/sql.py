"""The state in SQL, written once: SQLite and PostgreSQL differ only in what their subclasses
say (parameter marker, ``BEGIN``, column types, errors, version bookkeeping, locks).

Both speak ``INSERT … ON CONFLICT``, so upserts are shared. Every statement runs under one
re-entrant mutex, so a store may be called from worker threads (async code runs it with
``asyncio.to_thread`` so a PostgreSQL round trip never blocks the event loop), and every write
of more than one row is one transaction, so a ``kill -9`` leaves all of it or none of it.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

from engine.errors import StateError
from engine.state.base import (
    ResourceRecord,
    Rows,
    StateHeader,
    SyncBaseline,
    SyncBatchRecord,
    SyncRunLogEntry,
    WritebackLedger,
)
from engine.state.schema import BOOLEAN_COLUMNS, DATA_TABLES, MIGRATIONS, statements

#: ``sync log`` keeps this many days (seed 003: the Activity Log keeps 30 days).
RUN_LOG_DAYS = 30
RESOURCE_COLUMNS = ("address", "kind", "name", "remote_id", "fields", "prevent_destroy",
                    "updated_at")
LEDGER_COLUMNS = tuple(f.name for f in fields(WritebackLedger))
RUN_LOG_COLUMNS = ("run_id", "sync_id", "address", "started_at", "finished_at", "status",
                   "summary")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def upsert(table: str, columns: Sequence[str], keys: Sequence[str]) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
            f"({', '.join('?' for _ in columns)}) ON CONFLICT ({', '.join(keys)}) "
            f"DO UPDATE SET {updates}")


def _record(row: Sequence[Any]) -> ResourceRecord:
    return ResourceRecord(address=row[0], kind=row[1], name=row[2], remote_id=row[3],
                          fields=json.loads(row[4]), prevent_destroy=bool(row[5]),
                          updated_at=row[6])


def _canonical(column: str, value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value)
    return bool(value) if column in BOOLEAN_COLUMNS and value is not None else value


class SqlState:
    """Everything but the connection, its bootstrap and the locks (see the subclasses)."""

    begin = "BEGIN"
    marker = "?"
    #: How this backend spells the schema's words (``engine.state.schema``).
    words: dict[str, str]
    #: Tables of this backend that hold no data: locks and version bookkeeping.
    lock_tables: frozenset[str]
    #: The driver's error class(es), reported through ``_fault``.
    errors: tuple[type[Exception], ...] = ()
    exists = True

    def __init__(self, url: str, db: Any) -> None:
        self.url, self.db = url, db
        self._mutex = threading.RLock()
        self._depth = 0

    # -- the dialect's hooks ---------------------------------------------------------------
    def _fault(self, exc: Exception) -> StateError:
        return StateError(f"state {self.url}: {exc}")

    def _version(self) -> int:
        raise NotImplementedError

    def _bootstrap(self, version: int) -> None:
        """Create this backend's own tables and record schema ``version``."""
        raise NotImplementedError

    def table_names(self) -> set[str]:
        raise NotImplementedError

    # -- statements ------------------------------------------------------------------------
    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Hold the mutex; the driver's errors become one StateError naming the state."""
        with self._mutex:
            try:
                yield
            except self.errors as exc:
                raise self._fault(exc) from None

    def _run(self, sql: str, args: Sequence[Any] = ()) -> Any:
        with self._guard():
            return self.db.execute(sql.replace("?", self.marker), args)

    def _exec(self, sql: str, args: Sequence[Any] = ()) -> int:
        with self._guard():
            return self._run(sql, args).rowcount

    def _many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = list(rows)
        if batch:
            with self._guard():
                cursor = self.db.cursor()
                try:
                    cursor.executemany(sql.replace("?", self.marker), batch)
                finally:
                    cursor.close()

    def _all(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._guard():
            return self._run(sql, args).fetchall()

    def _one(self, sql: str, args: Sequence[Any] = ()) -> Any:
        with self._guard():
            return self._run(sql, args).fetchone()

    @contextmanager
    def _tx(self) -> Iterator[None]:
        """One transaction; nested uses join the outer one."""
        with self._mutex:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._run(self.begin)
            self._depth = 1
            try:
                yield
            except BaseException:
                self._depth = 0
                with suppress(Exception):  # the original error is the one to report
                    self.db.execute("ROLLBACK")
                raise
            self._depth = 0
            self._run("COMMIT")

    def _migrate(self, *, new: bool) -> None:
        """Bring the schema forward in one transaction. A state that should exist but holds no
        version is refused, never taken for a new one."""
        with self._tx():
            version = self._version()
            if version == 0 and not new:
                raise StateError(f"state {self.url} holds no Callboard tables: it is not a "
                                 "Callboard state, or it was damaged. " + RESTORE)
            if version > len(MIGRATIONS):
                raise StateError(
                    f"state {self.url} has schema version {version}, newer than this Callboard "
                    f"understands ({len(MIGRATIONS)}): it was written by a newer Callboard. "
                    "Upgrade Callboard (pip install -U callboard), or restore a backup this "
                    "version wrote.")
            if version == len(MIGRATIONS):
                return
            for number in range(version, len(MIGRATIONS)):
                for statement in statements(number, self.words):
                    self._exec(statement)
            if version == 0:
                self._exec("INSERT INTO meta VALUES ('lineage', ?), ('serial', '0')",
                           (str(uuid.uuid4()),))
            self._bootstrap(len(MIGRATIONS))

    # -- resources and the header ----------------------------------------------------------
    def header(self) -> StateHeader:
        meta = dict(self._all("SELECT key, value FROM meta"))
        return StateHeader(lineage=meta.get("lineage", ""), serial=int(meta.get("serial", 0)),
                           applying_plan=meta.get("applying_plan"),
                           last_applied_plan=meta.get("last_applied_plan"),
                           last_change=meta.get("last_change"))

    def _set_meta(self, key: str, value: str) -> None:
        self._exec(upsert("meta", ("key", "value"), ("key",)), (key, value))

    def _move_serial(self, what: str) -> int:
        with self._tx():
            self._exec("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
                       "WHERE key = 'serial'")
            self._set_meta("last_change", what)
            return int(self._one("SELECT value FROM meta WHERE key = 'serial'")[0])

    @contextmanager
    def changing(self, what: str) -> Iterator[None]:
        with self._tx():
            yield
            self._move_serial(what)

    def resources(self) -> dict[str, ResourceRecord]:
        rows = self._all(f"SELECT {', '.join(RESOURCE_COLUMNS)} FROM resources ORDER BY address")
        return {row[0]: _record(row) for row in rows}

    def get(self, address: str) -> ResourceRecord | None:
        row = self._one(f"SELECT {', '.join(RESOURCE_COLUMNS)} FROM resources "
                        "WHERE address = ?", (address,))
        return _record(row) if row else None

    def put(self, record: ResourceRecord) -> None:
        self._exec(upsert("resources", RESOURCE_COLUMNS, ("address",)),
                   (record.address, record.kind, record.name, record.remote_id,
                    json.dumps(record.fields, sort_keys=True), bool(record.prevent_destroy),
                    now_iso()))

    def remove(self, address: str) -> None:
        self._exec("DELETE FROM resources WHERE address = ?", (address,))

    # -- the apply journal -----------------------------------------------------------------
    def begin_apply(self, plan_id: str) -> int:
        with self._tx():
            self._set_meta("applying_plan", plan_id)
            return self._move_serial(f"apply of plan {plan_id}")

    def finish_apply(self, plan_id: str) -> None:
        with self._tx():
            self._exec("DELETE FROM meta WHERE key = 'applying_plan' AND value = ?", (plan_id,))
            self._exec("DELETE FROM apply_journal WHERE plan_id = ?", (plan_id,))
            self._set_meta("last_applied_plan", plan_id)

    def journal(self, plan_id: str) -> set[str]:
        return {r[0] for r in self._all("SELECT address FROM apply_journal WHERE plan_id = ?",
                                        (plan_id,))}

    def mark_done(self, plan_id: str, address: str) -> None:
        self._exec("INSERT INTO apply_journal VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                   (plan_id, address, now_iso()))

    # -- writeback ledgers -----------------------------------------------------------------
    def writeback_statuses(self) -> dict[str, str]:
        return dict(self._all("SELECT campaign_id, status FROM writeback_ledger"))

    def writeback_ledger(self, campaign_id: str) -> WritebackLedger | None:
        row = self._one(f"SELECT {', '.join(LEDGER_COLUMNS)} FROM writeback_ledger "
                        "WHERE campaign_id = ?", (campaign_id,))
        if row is None:
            return None
        values = dict(zip(LEDGER_COLUMNS, row, strict=True))
        values["constituent_ids"] = json.loads(values["constituent_ids"])
        return WritebackLedger(**values)

    def start_writeback(self, ledger: WritebackLedger) -> None:
        ledger.started_at = ledger.updated_at = now_iso()
        values = {name: getattr(ledger, name) for name in LEDGER_COLUMNS}
        values["constituent_ids"] = json.dumps(ledger.constituent_ids, separators=(",", ":"))
        if self._exec(f"INSERT INTO writeback_ledger ({', '.join(LEDGER_COLUMNS)}) VALUES "
                      f"({', '.join('?' for _ in LEDGER_COLUMNS)}) ON CONFLICT DO NOTHING",
                      tuple(values.values())) != 1:
            raise StateError(f"campaign {ledger.campaign_id} already has a writeback ledger in "
                             f"state {self.url}")

    def update_writeback_progress(self, ledger: WritebackLedger) -> None:
        ledger.updated_at = now_iso()
        if self._exec("UPDATE writeback_ledger SET source_id = ?, batches_confirmed = ?, "
                      "inserted = ?, skipped = ?, status = ?, updated_at = ? "
                      "WHERE campaign_id = ?",
                      (ledger.source_id, ledger.batches_confirmed, ledger.inserted,
                       ledger.skipped, ledger.status, ledger.updated_at,
                       ledger.campaign_id)) != 1:
            raise StateError(f"campaign {ledger.campaign_id} has no writeback ledger in state "
                             f"{self.url}")

    # -- Data Sync runs --------------------------------------------------------------------
    def sync_baseline(self, sync_id: str) -> SyncBaseline | None:
        row = self._one("SELECT members, audit_until, updated_at FROM sync_baseline "
                        "WHERE sync_id = ?", (sync_id,))
        return SyncBaseline(sync_id, bytes(row[0]), row[1], row[2]) if row else None

    def sync_plan(self, sync_id: str) -> tuple[str, bytes] | None:
        row = self._one("SELECT run_id, payload FROM sync_plan WHERE sync_id = ?", (sync_id,))
        return (row[0], bytes(row[1])) if row else None

    def freeze_sync_plan(self, sync_id: str, run_id: str, payload: bytes) -> None:
        if self._exec("INSERT INTO sync_plan VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                      (sync_id, run_id, payload, now_iso())) != 1:
            raise StateError(f"Data Sync {sync_id} already has an unfinished run in state "
                             f"{self.url}")

    def sync_batches_done(self, sync_id: str, run_id: str) -> set[int]:
        return {r[0] for r in self._all("SELECT batch_no FROM sync_batch_journal "
                                        "WHERE sync_id = ? AND run_id = ?", (sync_id, run_id))}

    def record_sync_batch(self, sync_id: str, run_id: str, batch: SyncBatchRecord) -> None:
        stamp = now_iso()
        with self._tx():
            self._exec("INSERT INTO sync_batch_journal VALUES (?, ?, ?, ?) "
                       "ON CONFLICT DO NOTHING", (sync_id, run_id, batch.batch_no, stamp))
            self._many("INSERT INTO sync_ledger VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                       ((sync_id, a, c) for a, c in batch.tagged))
            self._many("DELETE FROM sync_rejected WHERE sync_id = ? AND address = ?",
                       ((sync_id, a) for a in sorted({a for a, _ in batch.tagged})))
            for table in ("sync_ledger", "sync_association", "sync_rejected"):
                self._many(f"DELETE FROM {table} WHERE sync_id = ? AND address = ?",
                           ((sync_id, a) for a in batch.untagged))
            self._save_associations(sync_id, batch.associations)
            self._many(upsert("sync_rejected", ("sync_id", "address", "constituent_id",
                                                "reason", "seen_at"),
                              ("sync_id", "address", "constituent_id")),
                       ((sync_id, a, c, reason, stamp)
                        for a, (owners, reason) in batch.rejected.items() for c in owners))

    def finish_sync_plan(self, sync_id: str, run_id: str, baseline: SyncBaseline,
                         forget_owners: list[int], forget_rejected: list[int]) -> None:
        with self._tx():
            self._exec(upsert("sync_baseline", ("sync_id", "members", "audit_until",
                                                "updated_at"), ("sync_id",)),
                       (sync_id, baseline.members, baseline.audit_until, now_iso()))
            for table, ids in (("sync_ledger", forget_owners),
                               ("sync_rejected", forget_rejected)):
                self._many(f"DELETE FROM {table} WHERE sync_id = ? AND constituent_id = ?",
                           ((sync_id, int(i)) for i in ids))
            for table in ("sync_plan", "sync_batch_journal"):
                self._exec(f"DELETE FROM {table} WHERE sync_id = ? AND run_id = ?",
                           (sync_id, run_id))

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
            self._save_associations(sync_id, associations)

    def _save_associations(self, sync_id: str, associations: dict[str, str]) -> None:
        self._many(upsert("sync_association", ("sync_id", "address", "association_id"),
                          ("sync_id", "address")),
                   ((sync_id, a, i) for a, i in associations.items()))

    def sync_rejected(self, sync_id: str) -> list[tuple[str, int, str]]:
        rows = self._all("SELECT address, constituent_id, reason FROM sync_rejected "
                         "WHERE sync_id = ? ORDER BY address, constituent_id", (sync_id,))
        return [(r[0], r[1], r[2]) for r in rows]

    def log_sync_run(self, entry: SyncRunLogEntry) -> None:
        cutoff = datetime.now(UTC) - timedelta(days=RUN_LOG_DAYS)
        with self._tx():
            self._exec(upsert("sync_run_log", RUN_LOG_COLUMNS, ("run_id",)),
                       (entry.run_id, entry.sync_id, entry.address, entry.started_at,
                        entry.finished_at, entry.status,
                        json.dumps(entry.summary, sort_keys=True)))
            self._exec("DELETE FROM sync_run_log WHERE started_at < ?",
                       (cutoff.isoformat(timespec="seconds"),))

    def sync_runs(self, address: str | None, since: str) -> list[SyncRunLogEntry]:
        query = f"SELECT {', '.join(RUN_LOG_COLUMNS)} FROM sync_run_log WHERE started_at >= ?"
        args: tuple[str, ...] = (since,)
        if address is not None:
            query, args = query + " AND address = ?", (since, address)
        rows = self._all(query + " ORDER BY started_at, run_id", args)
        return [SyncRunLogEntry(*r[:6], json.loads(r[6])) for r in rows]

    # -- rows, for ``state copy`` ----------------------------------------------------------
    def dump_rows(self) -> Rows:
        """Every data row in a backend-neutral form (bytes, bool), sorted for comparing."""
        unknown = self.table_names() - set(DATA_TABLES) - self.lock_tables
        if unknown:
            raise StateError(f"state {self.url} has tables this Callboard cannot copy: "
                             f"{', '.join(sorted(unknown))}; upgrade Callboard")
        tables: Rows = {}
        with self._guard():
            for table in DATA_TABLES:
                cursor = self._run(f"SELECT * FROM {table}")
                columns = [d[0] for d in cursor.description]
                rows = [{c: _canonical(c, v) for c, v in zip(columns, row, strict=True)}
                        for row in cursor.fetchall()]
                tables[table] = sorted(rows, key=lambda row: repr(sorted(row.items())))
        return tables

    def load_rows(self, tables: Rows) -> None:
        """Replace every data row with ``tables``, in one transaction."""
        with self._tx():
            for table in DATA_TABLES:
                self._exec(f"DELETE FROM {table}")
                columns = list(tables[table][0]) if tables[table] else []
                self._many(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                           f"({', '.join('?' for _ in columns)})",
                           (tuple(row[c] for c in columns) for row in tables[table]))

    @contextmanager
    def locked(self, holder: str, command: str) -> Iterator[None]:
        self.acquire_lock(holder, command)  # type: ignore[attr-defined]
        try:
            yield
        finally:
            self.release_lock(holder)  # type: ignore[attr-defined]

    def close(self) -> None:
        with self._mutex:
            self.db.close()


#: What to do about a state file that cannot be used, said wherever one is refused.
RESTORE = ("Move it aside and restore a backup in its place (a copy of the file, or a "
           "'.backup-SERIAL' file that 'callboard state copy --force' kept), or copy a good "
           "state there with 'callboard state copy GOOD_STATE PATH'.")
