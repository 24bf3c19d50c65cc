"""PostgreSQL state: one shared state for a team's runners, with locks that die with their holder.

The write lock and each sync's lock are session-level advisory locks, so PostgreSQL itself
releases them when the holder's connection ends (a ``kill -9`` included). Beside each, a row
says who holds it so a second runner's error can name them; a row whose advisory lock is free
belongs to a dead run and is simply taken over. The tables live in schema ``callboard`` (or the
URL's ``?schema=NAME``).
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg

from engine.errors import StateError
from engine.state.base import LockInfo, StateStore
from engine.state.locks import HOLDER
from engine.state.postgres_connect import SCHEMA, advisory_key, connect, redact, split_schema
from engine.state.sql import SqlState, now_iso

log = logging.getLogger(__name__)

LOCK_TABLES = """
CREATE TABLE IF NOT EXISTS state_lock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    holder TEXT NOT NULL, command TEXT NOT NULL, since TEXT NOT NULL,
    username TEXT, host TEXT, pid INTEGER, backend_pid INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_lock (
    address TEXT PRIMARY KEY, holder TEXT NOT NULL, since TEXT NOT NULL,
    backend_pid INTEGER NOT NULL
)
"""
#: States made before the shared schema stored version 1 for what is now version 3 (their one
#: migration held all three); the shared list never leaves a PostgreSQL state at 1 or 2, since
#: it runs every step in one transaction.
LEGACY_VERSIONS = {1: 3}


class PostgresState(SqlState):
    marker = "%s"
    words = {"int": "BIGINT", "bool": "BOOLEAN", "false": "FALSE", "blob": "BYTEA",
             "c": ' COLLATE "C"'}
    lock_tables = frozenset({"state_lock", "sync_lock", "schema_version"})
    errors = (psycopg.Error,)

    def __init__(self, url: str, db: psycopg.Connection[Any], schema: str) -> None:
        super().__init__(redact(url), db)
        self.secret_url, self.schema = url, schema
        self._held: dict[str, int] = {}  # lock name -> advisory key, for locks this store holds
        self._run(f"SET search_path TO {schema}")

    @classmethod
    def open(cls, url: str, *, read_only: bool = False) -> StateStore:
        plain, schema = split_schema(url)
        store = cls(url, connect(plain), schema)
        try:
            if read_only and not store._one("SELECT to_regclass('schema_version')")[0]:
                from engine.state.sqlite import SqliteState

                store.close()
                return SqliteState.empty(store.url)
            store._migrate(new=True)
        except BaseException:
            store.close()
            raise
        return store

    def _fault(self, exc: Exception) -> StateError:
        return StateError(f"state {self.url}: {redact(str(exc), self.secret_url).strip()}")

    def _key(self, name: str) -> int:
        """Advisory lock keys; the default schema keeps the keys it always had."""
        return advisory_key(f"callboard:{name}" + ("" if self.schema == SCHEMA
                                                   else f"@{self.schema}"))

    def _version(self) -> int:
        """Read under a transaction-level lock, so concurrent first opens migrate once."""
        self._exec("SELECT pg_advisory_xact_lock(?)", (self._key("migrate"),))
        self._exec(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
        self._exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = self._one("SELECT version FROM schema_version")
        version = LEGACY_VERSIONS.get(row[0], row[0]) if row else 0
        if row and version != row[0]:
            self._exec("UPDATE schema_version SET version = ?", (version,))
        return version

    def schema_version(self) -> int:
        return int(self._one("SELECT version FROM schema_version")[0])

    def _bootstrap(self, version: int) -> None:
        for statement in LOCK_TABLES.split(";"):
            self._exec(statement)
        self._exec("DELETE FROM schema_version")
        self._exec("INSERT INTO schema_version VALUES (?)", (version,))
        log.info("state: migrated %s to schema version %d", self.url, version)

    def table_names(self) -> set[str]:
        rows = self._all("SELECT table_name FROM information_schema.tables "
                         "WHERE table_schema = ?", (self.schema,))
        return {r[0] for r in rows}

    def backup(self) -> str:
        """Copy every table into a new schema ``callboard_backup_<serial>`` beside this one."""
        base = name = f"callboard_backup_{self.header().serial}"
        n = 1
        while self._one("SELECT to_regnamespace(?)", (name,))[0]:
            n += 1
            name = f"{base}_{n}"
        with self._tx():
            self._exec(f"CREATE SCHEMA {name}")
            for table in sorted(self.table_names()):
                self._exec(f"CREATE TABLE {name}.{table} (LIKE {self.schema}.{table} "
                           "INCLUDING ALL)")
                if table not in ("state_lock", "sync_lock"):
                    self._exec(f"INSERT INTO {name}.{table} SELECT * FROM {self.schema}.{table}")
        plain = split_schema(self.url)[0]
        return f"schema {name} (open it as {plain}{'&' if '?' in plain else '?'}schema={name})"

    # -- advisory locks --------------------------------------------------------------------
    def _take(self, name: str) -> bool:
        key = self._key(name)
        if name in self._held or not self._one("SELECT pg_try_advisory_lock(?)", (key,))[0]:
            return False
        self._held[name] = key
        return True

    def _let_go(self, name: str) -> None:
        key = self._held.pop(name, None)
        if key is not None:
            self._exec("SELECT pg_advisory_unlock(?)", (key,))

    def _held_elsewhere(self, name: str) -> bool:
        """Whether another live session holds advisory lock ``name`` in this database."""
        unsigned = self._key(name) & 0xFFFFFFFFFFFFFFFF
        return bool(self._one(
            "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND d.datname = current_database() "
            "AND l.classid::bigint = ? AND l.objid::bigint = ? AND l.objsubid = 1 "
            "AND l.granted AND l.pid <> pg_backend_pid())",
            (unsigned >> 32, unsigned & 0xFFFFFFFF))[0])

    def _claim(self, name: str, sql: str, args: tuple[Any, ...]) -> None:
        """Record who holds the advisory lock ``name`` just taken; let go of it on failure."""
        try:
            with self._tx():
                self._exec(sql, args)
        except BaseException:
            self._let_go(name)
            raise

    def acquire_lock(self, holder: str, command: str) -> None:
        if not self._take("state"):
            info = self.lock_info()
            detail = info.describe() if info else "held by another session that is starting"
            raise StateError(f"state {self.url} is locked: {detail}. PostgreSQL releases the "
                             "lock when that run ends; if it hangs, stop it.")
        stale = self.lock_info()
        if stale is not None:
            log.warning("state: taking over the lock of a run that ended: %s", stale.describe())
        found = HOLDER.match(holder)
        self._claim("state", "INSERT INTO state_lock VALUES (1, ?, ?, ?, ?, ?, ?, "
                    "pg_backend_pid()) ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, "
                    "command = excluded.command, since = excluded.since, username = "
                    "excluded.username, host = excluded.host, pid = excluded.pid, "
                    "backend_pid = excluded.backend_pid",
                    (holder, command, now_iso(), found and found["user"],
                     found and found["host"], found and int(found["pid"])))

    def release_lock(self, holder: str) -> None:
        if "state" in self._held:
            self._exec("DELETE FROM state_lock WHERE holder = ? AND backend_pid = "
                       "pg_backend_pid()", (holder,))
            self._let_go("state")

    def lock_info(self) -> LockInfo | None:
        row = self._one("SELECT holder, command, since FROM state_lock")
        return LockInfo(*row) if row else None

    def live_lock(self) -> LockInfo | None:
        if "state" not in self._held and not self._held_elsewhere("state"):
            return None
        return self.lock_info() or LockInfo("another session", "starting", now_iso())

    def force_unlock(self) -> LockInfo | None:
        """Forget a dead run's lock row; a live holder's lock cannot be cleared from outside."""
        info = self.lock_info()
        if self._held_elsewhere("state"):
            detail = info.describe() if info else "held by another session"
            raise StateError(f"state {self.url} is locked by a run that is still connected: "
                             f"{detail}. PostgreSQL releases it when that run ends; stop it "
                             "instead of unlocking.")
        self._exec("DELETE FROM state_lock")
        return info

    def acquire_sync_lock(self, address: str, holder: str,
                          steal_from: str | None = None) -> None:
        """``steal_from`` needs no special case: a dead holder's advisory lock is already free."""
        if not self._take(f"sync:{address}"):
            info = self.sync_lock(address)
            detail = info.describe() if info else "held by another run"
            raise StateError(f"{address} is already running: lock {detail}")
        self._claim(f"sync:{address}", "INSERT INTO sync_lock VALUES (?, ?, ?, pg_backend_pid()) "
                    "ON CONFLICT (address) DO UPDATE SET holder = excluded.holder, since = "
                    "excluded.since, backend_pid = excluded.backend_pid",
                    (address, holder, now_iso()))

    def release_sync_lock(self, address: str, holder: str) -> None:
        if f"sync:{address}" in self._held:
            self._exec("DELETE FROM sync_lock WHERE address = ? AND holder = ?",
                       (address, holder))
            self._let_go(f"sync:{address}")

    def sync_lock(self, address: str) -> LockInfo | None:
        row = self._one("SELECT holder, since FROM sync_lock WHERE address = ?", (address,))
        return LockInfo(row[0], "sync run", row[1]) if row else None
