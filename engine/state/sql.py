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
from dataclasses import fields, replace
from functools import partialmethod
from typing import Any, TypeVar

from engine import clock
from engine.errors import StateError
from engine.state import base as b
from engine.state.schema import BOOLEAN_COLUMNS, DATA_TABLES, MIGRATIONS

log = logging.getLogger(__name__)
Record = TypeVar("Record")
IN_QUERY = 900  # values one ``IN (…)`` look-up binds (SQLite allows 32,766)
IN_SIZES = (16, 64, 256, IN_QUERY)  # how many it binds: ``_in`` pads to one of these
JSON_COLUMNS = frozenset({"fields", "constituent_ids", "summary"})  # kept as JSON text
#: How a column reads back where it is not kept as it is: JSON as what it holds, 0/1 as bool.
DECODE = {**dict.fromkeys(JSON_COLUMNS, json.loads), **dict.fromkeys(BOOLEAN_COLUMNS, bool)}
PROGRESS = ("source_id", "batches_confirmed", "inserted", "skipped", "status", "updated_at")
#: What to do about a state that cannot be used, said wherever one is refused.
RESTORE = ("Move it aside and restore a backup in its place (a copy, or the '.backup-SERIAL' "
           "that 'state copy --force' kept), or 'callboard state copy GOOD_STATE' to it.")


def upsert(table: str, columns: Sequence[str], keys: Sequence[str] = ()) -> str:
    """An INSERT that, where a row has the same ``keys``, updates it (no ``keys``: keeps it)."""
    insert = (f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
              f"({', '.join('?' * len(columns))}) ON CONFLICT")
    if not keys:
        return f"{insert} DO NOTHING"
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
    return f"{insert} ({', '.join(keys)}) DO UPDATE SET {updates}"


class SqlState:
    """All but Data Sync runs (``sql_sync``), the connection, its bootstrap and lock liveness.
    ``certain``: ``_alive`` knows (PostgreSQL sees sessions, SQLite only this host's processes)."""

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

    def _objects(self, cls: type[Record], table: str, tail: str = "",
                 *args: Any) -> list[Record]:
        """Rows of ``table`` (``tail``: WHERE, ORDER BY…) as ``cls``, its fields the columns."""
        names = [f.name for f in fields(cls)]
        rows = self._all(f"SELECT {', '.join(names)} FROM {table} {tail}", args)
        return [cls(**{n: DECODE[n](v) if n in DECODE else v
                       for n, v in zip(names, row, strict=True)}) for row in rows]

    def _object(self, cls: type[Record], table: str, tail: str, *args: Any) -> Record | None:
        return next(iter(self._objects(cls, table, tail, *args)), None)

    def _save(self, table: str, record: Any, *keys: str) -> int:
        """Write dataclass ``record`` as a row of ``table`` (see ``upsert``); the rows written."""
        row = {c: json.dumps(v, sort_keys=True, separators=(",", ":")) if c in JSON_COLUMNS else v
               for c, v in vars(record).items()}
        return self._run(upsert(table, list(row), keys), list(row.values()))

    def _in(self, sql: str, values: Iterable[Any], *args: Any) -> Iterator[Any]:
        """The rows of ``sql``, which ends in ``IN``, for ``values`` a slice at a time, each
        padded with its last value to one of ``IN_SIZES``: SQLite keeps a connection's last
        128 statements prepared (a 900-value one holds about 20 KB), so one per length made a
        1M-member run's state hold 1.7 MB more than a 150k one's."""
        unique = sorted(set(values))
        for start in range(0, len(unique), IN_QUERY):
            chunk = unique[start:start + IN_QUERY]
            chunk += chunk[-1:] * (next(n for n in IN_SIZES if n >= len(chunk)) - len(chunk))
            yield from self._all(f"{sql} ({', '.join('?' * len(chunk))})", (*args, *chunk))

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

    def resources(self) -> dict[str, b.ResourceRecord]:
        return {r.address: r for r in self._objects(b.ResourceRecord, "resources",
                                                    "ORDER BY address")}

    def get(self, address: str) -> b.ResourceRecord | None:
        return self._object(b.ResourceRecord, "resources", "WHERE address = ?", address)

    def put(self, record: b.ResourceRecord) -> None:
        self._save("resources", replace(record, updated_at=clock.iso_now()), "address")

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
                  (plan_id, address, clock.iso_now()))

    def writeback_statuses(self) -> dict[str, str]:
        return dict(self._all("SELECT campaign_id, status FROM writeback_ledger"))

    def writeback_ledger(self, campaign_id: str) -> b.WritebackLedger | None:
        return self._object(b.WritebackLedger, "writeback_ledger", "WHERE campaign_id = ?",
                            campaign_id)

    def start_writeback(self, ledger: b.WritebackLedger) -> None:
        ledger.started_at = ledger.updated_at = clock.iso_now()
        if self._save("writeback_ledger", ledger) != 1:
            raise StateError(f"campaign {ledger.campaign_id} already has a writeback ledger in "
                             f"state {self.url}")

    def update_writeback_progress(self, ledger: b.WritebackLedger) -> None:
        ledger.updated_at = clock.iso_now()
        if self._run(f"UPDATE writeback_ledger SET {', '.join(f'{c} = ?' for c in PROGRESS)} "
                     "WHERE campaign_id = ?",
                     [*(getattr(ledger, c) for c in PROGRESS), ledger.campaign_id]) != 1:
            raise StateError(f"campaign {ledger.campaign_id} has no writeback ledger in state "
                             f"{self.url}")

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
                           f"({', '.join('?' * len(columns))})",
                           (tuple(row[c] for c in columns) for row in tables[table]))

    def acquire_lock(self, holder: str, command: str, name: str = "state") -> None:
        """Take lock ``name``, or the row of a holder that ended (compare-and-swap). A lock
        released between the look and the take is looked at again, not called "locked"."""
        for _ in range(3):
            taken, held = self._take_lock(holder, command, name)
            if taken or (now := self.lock_info(name)) is not None:
                break
        if not taken:
            detail = now.describe() if now else "taken"
            raise StateError(f"state {self.url} is locked: {detail}. {self.busy_hint}"
                             if name == "state" else
                             f"{name.removeprefix('sync:')} is already running: lock {detail}")
        if held is not None:
            log.warning("state: taking over the lock %s: that run has ended", held.describe())

    def _take_lock(self, holder: str, command: str, name: str) -> tuple[int, b.LockInfo | None]:
        """One attempt: (rows taken, the lock seen before, if any)."""
        with self._tx():
            held, taken = self.lock_info(name), 0
            mine = (holder, command, clock.iso_now(), self.session, name)
            if held is None:
                taken = self._run("INSERT INTO locks (holder, command, since, session, name) "
                                  "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", mine)
            elif not self._alive(name, held):
                taken = self._run("UPDATE locks SET holder = ?, command = ?, since = ?, "
                                  "session = ? WHERE name = ? AND holder = ? AND since = ?",
                                  (*mine, held.holder, held.since))
        return taken, held

    def release_lock(self, holder: str, name: str = "state") -> None:
        self._run("DELETE FROM locks WHERE name = ? AND holder = ?", (name, holder))

    def lock_info(self, name: str = "state") -> b.LockInfo | None:
        return self._object(b.LockInfo, "locks", "WHERE name = ?", name)

    def live_lock(self) -> b.LockInfo | None:
        info = self.lock_info()
        return info if info is not None and self._alive("state", info) else None

    def force_unlock(self) -> b.LockInfo | None:
        """Forget the lock of a run that ended; a holder known to be alive keeps it."""
        info = self.lock_info()
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

    def close(self) -> None:
        with self._mutex:
            self.db.close()
