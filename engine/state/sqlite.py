"""SQLite state: a single file, the default for one person or one runner.

A new file is built beside its path and linked into place, so a state file is never seen half
made: an empty, truncated or foreign file is refused as damaged, never taken for a new state.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import uuid
from pathlib import Path

from engine.errors import StateError
from engine.state.base import LockInfo
from engine.state.locks import holder_is_gone
from engine.state.sql import RESTORE, SqlState, now_iso

log = logging.getLogger(__name__)

_MAGIC = b"SQLite format 3\x00"
LOCK_TABLES = """
CREATE TABLE IF NOT EXISTS lock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    holder TEXT NOT NULL, command TEXT NOT NULL, since TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_lock (
    address TEXT PRIMARY KEY, holder TEXT NOT NULL, since TEXT NOT NULL
)
"""


def _connect(path: Path | str) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA busy_timeout=30000")
    return db


def check_file(path: Path) -> None:
    """Refuse a file that cannot be a whole state: 0 bytes, not SQLite, or cut short."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(100)
    except OSError as exc:
        raise StateError(f"cannot read state {path}: {exc}") from None
    problem = None
    if size == 0:
        problem = "it is empty (0 bytes)"
    elif len(head) < 100 or not head.startswith(_MAGIC):
        problem = "it is not a SQLite database"
    else:
        page_size = int.from_bytes(head[16:18], "big")
        page_size = 65536 if page_size == 1 else page_size
        pages = int.from_bytes(head[28:32], "big")
        if head[24:28] == head[92:96] and size < pages * page_size:
            problem = f"it is truncated ({size} of {pages * page_size} bytes)"
    if problem:
        raise StateError(f"state {path} is damaged: {problem}; Callboard will not treat it as a "
                         f"new state. {RESTORE}")


class SqliteState(SqlState):
    begin = "BEGIN IMMEDIATE"
    words = {"int": "INTEGER", "bool": "INTEGER", "false": "0", "blob": "BLOB", "c": ""}
    lock_tables = frozenset({"lock", "sync_lock"})
    errors = (sqlite3.Error,)

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            _create(self.path)
        check_file(self.path)
        super().__init__(str(self.path), self._open(self.path))
        try:
            self._run("PRAGMA journal_mode=WAL")
            self._migrate(new=False)
        except BaseException:
            self.db.close()
            raise

    def _open(self, path: Path | str) -> sqlite3.Connection:
        try:
            return _connect(path)
        except sqlite3.Error as exc:
            raise StateError(f"cannot open state {path}: {exc}") from None

    @classmethod
    def empty(cls, url: str) -> SqliteState:
        """What a read-only command sees where no state exists yet: nothing, written nowhere.
        Its lineage is empty, so a plan made against it fits only a state nobody changed."""
        store = cls.__new__(cls)
        SqlState.__init__(store, url, _connect(":memory:"))
        store.path, store.exists = Path(url), False
        store._migrate(new=True)
        store._set_meta("lineage", "")
        return store

    def _fault(self, exc: Exception) -> StateError:
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            return StateError(f"state {self.url} is busy: another Callboard run kept it locked "
                              f"for 30 s ({exc}); try again")
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(
                exc, sqlite3.OperationalError | sqlite3.IntegrityError):
            return StateError(f"state {self.url} is damaged ({exc}); Callboard will not treat "
                              f"it as a new state. {RESTORE}")
        return super()._fault(exc)

    def _version(self) -> int:
        return int(self._one("PRAGMA user_version")[0])

    def _bootstrap(self, version: int) -> None:
        for statement in LOCK_TABLES.split(";"):
            self._exec(statement)
        self._exec(f"PRAGMA user_version = {int(version)}")

    def table_names(self) -> set[str]:
        rows = self._all("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {r[0] for r in rows if not r[0].startswith("sqlite_")}

    def backup(self) -> str:
        serial = self.header().serial
        name = f"{self.path}.backup-{serial}"
        n = 1
        while Path(name).exists():
            n += 1
            name = f"{self.path}.backup-{serial}.{n}"
        copy = sqlite3.connect(name, isolation_level=None)
        try:
            with self._guard():
                self.db.backup(copy)
            copy.execute("DELETE FROM lock")  # the copy's own lock is not the backup's
            copy.execute("DELETE FROM sync_lock")
        finally:
            copy.close()
        return name

    # -- locks: rows in this file; a dead holder on this host is taken over ------------------
    def acquire_lock(self, holder: str, command: str) -> None:
        with self._tx():
            if self._exec("INSERT INTO lock VALUES (1, ?, ?, ?) ON CONFLICT DO NOTHING",
                          (holder, command, now_iso())):
                return
            info = self.lock_info()
            if info is not None and holder_is_gone(info.holder):
                log.warning("state: taking over the lock %s: that process no longer runs",
                            info.describe())
                self._exec("UPDATE lock SET holder = ?, command = ?, since = ?",
                           (holder, command, now_iso()))
                return
        detail = info.describe() if info else "held by another process"
        raise StateError(f"state {self.url} is locked: {detail}. If that run is gone, clear it "
                         "with 'callboard state unlock'.")

    def release_lock(self, holder: str) -> None:
        self._exec("DELETE FROM lock WHERE id = 1 AND holder = ?", (holder,))

    def lock_info(self) -> LockInfo | None:
        row = self._one("SELECT holder, command, since FROM lock WHERE id = 1")
        return LockInfo(*row) if row else None

    def live_lock(self) -> LockInfo | None:
        info = self.lock_info()
        return None if info is None or holder_is_gone(info.holder) else info

    def force_unlock(self) -> LockInfo | None:
        with self._tx():
            info = self.lock_info()
            self._exec("DELETE FROM lock WHERE id = 1")
        return info

    def acquire_sync_lock(self, address: str, holder: str,
                          steal_from: str | None = None) -> None:
        with self._tx():
            row = self._one("SELECT holder FROM sync_lock WHERE address = ?", (address,))
            if row is None or (steal_from is not None and row[0] == steal_from):
                self._exec("INSERT INTO sync_lock VALUES (?, ?, ?) ON CONFLICT (address) DO "
                           "UPDATE SET holder = excluded.holder, since = excluded.since",
                           (address, holder, now_iso()))
                return
        info = self.sync_lock(address)
        detail = info.describe() if info else "held by another run"
        raise StateError(f"{address} is already running: lock {detail}")

    def release_sync_lock(self, address: str, holder: str) -> None:
        self._exec("DELETE FROM sync_lock WHERE address = ? AND holder = ?", (address, holder))

    def sync_lock(self, address: str) -> LockInfo | None:
        row = self._one("SELECT holder, since FROM sync_lock WHERE address = ?", (address,))
        return LockInfo(row[0], "sync run", row[1]) if row else None


def _create(path: Path) -> None:
    """Build a new state beside ``path`` and link it into place: it appears whole or not at
    all, and of several runners creating it at once, the first one's is kept."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.new")
        store = SqliteState.__new__(SqliteState)
        SqlState.__init__(store, str(path), _connect(temp))
    except (OSError, sqlite3.Error) as exc:
        raise StateError(f"cannot create state {path}: {exc}") from None
    try:
        store._migrate(new=True)
        store.close()
        os.link(temp, path)
    except FileExistsError:
        pass
    except OSError as exc:
        raise StateError(f"cannot create state {path}: {exc}") from None
    finally:
        store.close()
        temp.unlink(missing_ok=True)
