"""SQLite state: one file, the default for one person or one runner. A new file is built
beside its path and linked into place, so an empty, truncated or foreign file is refused as
damaged, never taken for a new state. A lock is its row; a holder whose process is gone from
this host is taken over."""

from __future__ import annotations

import os
import sqlite3
import uuid
from contextlib import suppress
from pathlib import Path

from engine.errors import StateError
from engine.lock_holders import holder_is_gone
from engine.state.base import LockInfo
from engine.state.sql import RESTORE
from engine.state.sql_sync import SqlStore


class SqliteState(SqlStore):
    begin = "BEGIN IMMEDIATE"
    words = {"int": "INTEGER", "bool": "INTEGER", "false": "0", "blob": "BLOB", "c": ""}
    errors = (sqlite3.Error,)
    busy_hint = "If that run is gone, clear it with 'callboard state unlock'."

    def __init__(self, path: str | Path, *, new: Path | str | None = None) -> None:
        """The state at ``path``, or ``new``: a new one built there (a file or ":memory:")."""
        self.path = Path(path)
        if new is None and not self.path.exists():
            _create(self.path)
        elif new is None and self.path.stat().st_size == 0:  # SQLite would take it for new
            raise StateError(f"state {path} is damaged: it is empty (0 bytes); Callboard will "
                             f"not treat it as a new state. {RESTORE}")
        try:  # waits up to 30 s for another run's write
            db = sqlite3.connect(new or self.path, timeout=30, isolation_level=None,
                                 check_same_thread=False)
        except sqlite3.Error as exc:
            raise StateError(f"cannot open state {path}: {exc}") from None
        super().__init__(str(self.path), db)
        try:
            if new is None:
                self._run("PRAGMA journal_mode=WAL")
            self._migrate(new=new is not None)
        except BaseException:
            self.db.close()
            raise

    @classmethod
    def empty(cls, url: str) -> SqliteState:
        """What a read-only command sees where no state exists yet: nothing, written nowhere.
        Its lineage is empty, so a plan made against it fits only a state nobody changed."""
        store = cls(url, new=":memory:")
        store.exists = False
        store._set_meta("lineage", "")
        return store

    def _fault(self, exc: Exception) -> StateError:
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            return StateError(f"state {self.url} is busy: another Callboard run kept it locked "
                              f"for 30 s ({exc}); try again")
        if type(exc) is sqlite3.DatabaseError:  # "malformed" (truncated), "not a database", …
            return StateError(f"state {self.url} is damaged ({exc}); Callboard will not treat "
                              f"it as a new state. {RESTORE}")
        return super()._fault(exc)

    def _version(self) -> int:
        return int(self._one("PRAGMA user_version")[0])

    def _set_version(self, version: int) -> None:
        self._run(f"PRAGMA user_version = {int(version)}")

    def backup_url(self, serial: int, n: int) -> str:
        return f"{self.path}.backup-{serial}" + (f".{n}" if n > 1 else "")

    def _alive(self, name: str, held: LockInfo) -> bool:
        return not holder_is_gone(held.holder)


def _create(path: Path) -> None:
    """Build a new state beside ``path`` and link it into place: whole, and the first one's."""
    temp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.new")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        SqliteState(path, new=temp).close()
        with suppress(FileExistsError):  # another runner made it first: theirs is the state
            os.link(temp, path)
    except OSError as exc:
        raise StateError(f"cannot create state {path}: {exc}") from None
    finally:
        temp.unlink(missing_ok=True)
