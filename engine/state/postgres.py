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


#: Why a connection failed and what to do: by SQLSTATE where there is one, else by libpq's
#: words, as psycopg gives no SQLSTATE for a refused login (psycopg issues #242, #1188). Other
#: words (a server speaking another language) fall through to "cannot reach".
_URL_HINT = "in the state URL (--state or CALLBOARD_STATE)"
_CONNECT_FAILURES = (
    ({"28P01"}, r"password authentication failed for|fe_sendauth: no password supplied",
     "PostgreSQL refused the login of role {user} to state",
     f"check the user and password {_URL_HINT}"),
    ({"3D000"}, r'FATAL: database "[^"]*" does not exist', "PostgreSQL has no database {db} for "
     "state", f"create it, or check the name {_URL_HINT}: Callboard creates its schema but "
     "not the database"),
    (set(), r'FATAL: role "[^"]*" does not exist', "PostgreSQL has no role {user} for state",
     f"check the user {_URL_HINT}, or create the role"),
    (set(), r"no pg_hba\.conf entry for|pg_hba\.conf rejects connection", "PostgreSQL does not "
     "let role {user} connect to database {db} from this host (pg_hba.conf) for state",
     "ask the server's administrator for a pg_hba.conf entry for this host, role and database, "
     f"or check the user and database {_URL_HINT}"),
    (set(), r'FATAL: role "[^"]*" is not permitted to log in', "PostgreSQL role {user} may not "
     "log in (NOLOGIN), for state", f"give it LOGIN (ALTER ROLE ... LOGIN), or use a role that "
     f"has it {_URL_HINT}"),
    ({"53300"}, r"too many connections for role|too many clients already|remaining connection "
     r"slots are reserved", "PostgreSQL has no connection left for role {user} to state",
     "other clients hold them all: try again when they end, or raise the limit (the role's "
     "CONNECTION LIMIT, the server's max_connections)"),
    (set(), r"server does not support SSL, but SSL was required", "PostgreSQL offers no SSL, "
     "which the state URL requires (sslmode), for state", "enable SSL on the server, or check "
     f"sslmode {_URL_HINT}"),
    (set(), r"Connection refused|timeout expired|failed to resolve host|could not translate "
     r"host name|No route to host|Network is unreachable", "cannot reach PostgreSQL state",
     f"check the host and port {_URL_HINT}, and that the server is up"),
)


def connect_failure(exc: psycopg.Error, secret_url: str) -> StateError:
    """One message: why ``secret_url`` could not be opened and what to do, never the password."""
    detail = " ".join(redact(str(exc), secret_url).removeprefix("connection failed: ").split())
    if isinstance(exc, psycopg.ProgrammingError):
        return StateError(f"bad PostgreSQL state URL {redact(secret_url)}: {detail}")
    pg = exc.pgconn  # libpq's own user and database, defaults included
    names = {k: redact(f'"{v.decode(errors="replace")}"', secret_url) if v else "?"
             for k, v in {"user": pg.user if pg else b"", "db": pg.db if pg else b""}.items()}
    for codes, words, what, todo in _CONNECT_FAILURES:
        if exc.sqlstate in codes or re.search(words, detail):
            return StateError(f"{what.format(**names)} {redact(secret_url)}: {detail} — {todo}")
    return StateError(f"cannot reach PostgreSQL state {redact(secret_url)}: {detail}")


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
            raise connect_failure(exc, self.secret_url) from None
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
