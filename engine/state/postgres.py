"""PostgreSQL state: one state for a team's runners, in schema ``callboard`` (or the URL's
``?schema=NAME``). A lock's row names the holder's session: once that connection is gone
(``kill -9`` included) the lock is taken over. Errors never show the password."""

from __future__ import annotations

import logging
import re
from contextlib import suppress
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict

from engine.errors import StateError
from engine.secret_masking import SecretScrubber
from engine.state import mask_password
from engine.state.base import LockInfo, StateStore
from engine.state.sql_sync import SqlStore

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10  # seconds to wait for the server before saying it is unreachable
SCHEMA = "callboard"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
#: A session as lock rows name it; the epoch keeps it the same whatever a client's time zone.
SESSION = "pid || '@' || extract(epoch FROM backend_start)"
#: A PostgreSQL state made before the shared schema says 1 for what is now 3 (one migration).
LEGACY_VERSIONS = {1: 3}


def redact(text: str, url: str = "") -> str:
    """``text`` with any URL's or ``password=``'s password masked, and ``url``'s wherever it
    stands as a token of its own: the server's words around a short one stay whole."""
    password = None
    with suppress(psycopg.Error):  # an unparseable URL has no password to find
        password = url and conninfo_to_dict(url).get("password")
    text = SecretScrubber(str(password) if password else None)(text)
    return re.sub(r"password=\S+", "password=***", mask_password(text))


def split_schema(url: str) -> tuple[str, str]:
    """``(url without ?schema=, schema)``: libpq knows no such parameter, Callboard does."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), SCHEMA)
    if not _SCHEMA_NAME.match(schema):
        raise StateError(f"bad schema {schema!r} in PostgreSQL state URL {redact(url)}: use "
                         "lower-case letters, digits and _")
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    return urlunsplit(parts._replace(query=rest)), schema


class PostgresState(SqlStore):
    marker, certain = "%s", True
    words = {"int": "BIGINT", "bool": "BOOLEAN", "false": "FALSE", "blob": "BYTEA",
             "c": ' COLLATE "C"'}
    errors = (psycopg.Error,)
    busy_hint = "When that run's connection ends, the next run takes the lock over."

    def __init__(self, url: str) -> None:
        """Autocommit: every state change opens its own transaction."""
        self.secret_url, self.schema = split_schema(url)
        try:
            db = psycopg.connect(autocommit=True, **{"connect_timeout": CONNECT_TIMEOUT,
                                                     "application_name": "callboard",
                                                     **conninfo_to_dict(self.secret_url)})
        except psycopg.Error as exc:
            what = ("bad PostgreSQL state URL" if isinstance(exc, psycopg.ProgrammingError)
                    else "cannot reach PostgreSQL state")
            raise StateError(f"{what} {redact(self.secret_url)}: "
                             f"{redact(str(exc), self.secret_url).strip()}") from None
        super().__init__(redact(url), db)
        self._run(f"SET search_path TO {self.schema}")
        self.session = self._one(f"SELECT {SESSION} FROM pg_stat_activity "
                                 "WHERE pid = pg_backend_pid()")[0]

    @classmethod
    def open(cls, url: str, *, read_only: bool = False) -> StateStore:
        """A read-only open of a database without Callboard tables creates none."""
        store = cls(url)
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
        detail = redact(str(exc), self.secret_url).strip()
        if isinstance(exc, psycopg.errors.InsufficientPrivilege):
            detail += (" — this role may read the state but not change it: apply, state edits "
                       "and runs (and migrating an older state) need a role that may write "
                       f"Callboard's tables in schema {self.schema}")
        return StateError(f"state {self.url}: {detail}")

    def _version(self) -> int:
        """Read under a transaction-level lock, so concurrent first opens migrate once; DDL
        only when there is none yet, so a SELECT-only role opens a current state."""
        self._run("SELECT pg_advisory_xact_lock(hashtext(?))", (f"callboard:{self.schema}",))
        if not self._one("SELECT to_regclass('schema_version')")[0]:
            self._run(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            self._run("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = self._one("SELECT version FROM schema_version")
        return LEGACY_VERSIONS.get(row[0], row[0]) if row else 0

    def _set_version(self, version: int) -> None:
        self._run("DELETE FROM schema_version")
        self._run("INSERT INTO schema_version VALUES (?)", (version,))
        log.info("state: migrated %s to schema version %d", self.url, version)

    def backup_url(self, serial: int, n: int) -> str:
        plain, name = self.secret_url, f"callboard_backup_{serial}" + (f"_{n}" if n > 1 else "")
        return f"{plain}{'&' if '?' in plain else '?'}schema={name}"

    def _alive(self, name: str, held: LockInfo) -> bool:
        """Whether the session that wrote lock ``name`` is still connected."""
        return bool(self._one(f"SELECT EXISTS (SELECT 1 FROM locks JOIN pg_stat_activity ON "
                              f"session = {SESSION} WHERE name = ?)", (name,))[0])
