"""PostgreSQL state: one shared state for a team's runners, with locks that die with their holder.

The write lock is a session-level advisory lock, so PostgreSQL itself releases it when the
holder's connection ends (a ``kill -9`` included). Beside it a one-row ``state_lock`` table says
who holds it (user, host, pid, command, since) so a second runner's error can name them; a row
whose advisory lock is free belongs to a dead run and is simply taken over.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import fields

import psycopg

from engine.errors import StateError
from engine.state.base import (
    LockInfo,
    ResourceRecord,
    StateHeader,
    StateStore,
    WritebackLedger,
)
from engine.state.postgres_connect import advisory_key, connect, redact
from engine.state.postgres_schema import MIGRATIONS, SCHEMA
from engine.state.postgres_sync import PostgresSyncState, now_iso

log = logging.getLogger(__name__)

#: Advisory lock keys; per-sync keys are derived from the sync's address.
STATE_LOCK_KEY = advisory_key("callboard:state")
MIGRATION_KEY = advisory_key("callboard:migrate")

_HOLDER = re.compile(r"^(?P<user>[^@]*)@(?P<host>\S+) pid (?P<pid>\d+)$")


class PostgresState(PostgresSyncState, StateStore):
    def __init__(self, url: str) -> None:
        self.url = redact(url)
        self.db = connect(url)
        self._holding_state_lock = False
        self._held_sync_keys: dict[str, int] = {}
        try:
            self._migrate()
        except psycopg.Error as exc:
            self.db.close()
            raise StateError(f"cannot prepare state {self.url}: {redact(str(exc), url)}") from None

    def _migrate(self) -> None:
        """Bring the schema forward; concurrent first opens wait on a transaction-level lock."""
        with self.db.transaction():
            self.db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_KEY,))
            self.db.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            self.db.execute(f"SET search_path TO {SCHEMA}")
            self.db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = self.db.execute("SELECT version FROM schema_version").fetchone()
            version = row[0] if row else 0
            if row is None:
                self.db.execute("INSERT INTO schema_version VALUES (0)")
            if version > len(MIGRATIONS):
                raise StateError(
                    f"state {self.url} has schema version {version}, newer than this Callboard "
                    f"understands ({len(MIGRATIONS)}): upgrade Callboard")
            for number in range(version, len(MIGRATIONS)):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                if number == 0:
                    self.db.execute("INSERT INTO meta VALUES ('lineage', %s), ('serial', '0')",
                                    (str(uuid.uuid4()),))
                self.db.execute("UPDATE schema_version SET version = %s", (number + 1,))
                log.info("state: migrated %s to schema version %d", self.url, number + 1)

    def schema_version(self) -> int:
        return self.db.execute("SELECT version FROM schema_version").fetchone()[0]

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "
                        "SET value = excluded.value", (key, value))

    def header(self) -> StateHeader:
        rows = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        return StateHeader(lineage=rows.get("lineage", ""), serial=int(rows.get("serial", 0)),
                           applying_plan=rows.get("applying_plan"),
                           last_applied_plan=rows.get("last_applied_plan"))

    def resources(self) -> dict[str, ResourceRecord]:
        rows = self.db.execute(
            "SELECT address, kind, name, remote_id, fields, prevent_destroy, updated_at "
            "FROM resources ORDER BY address").fetchall()
        return {r[0]: ResourceRecord(address=r[0], kind=r[1], name=r[2], remote_id=r[3],
                                     fields=json.loads(r[4]), prevent_destroy=bool(r[5]),
                                     updated_at=r[6]) for r in rows}

    def get(self, address: str) -> ResourceRecord | None:
        r = self.db.execute(
            "SELECT address, kind, name, remote_id, fields, prevent_destroy, updated_at "
            "FROM resources WHERE address = %s", (address,)).fetchone()
        if r is None:
            return None
        return ResourceRecord(address=r[0], kind=r[1], name=r[2], remote_id=r[3],
                              fields=json.loads(r[4]), prevent_destroy=bool(r[5]),
                              updated_at=r[6])

    def put(self, record: ResourceRecord) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO resources VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (address) "
                "DO UPDATE SET kind = excluded.kind, name = excluded.name, "
                "remote_id = excluded.remote_id, fields = excluded.fields, "
                "prevent_destroy = excluded.prevent_destroy, updated_at = excluded.updated_at",
                (record.address, record.kind, record.name, record.remote_id,
                 json.dumps(record.fields, sort_keys=True), record.prevent_destroy, now_iso()))

    def remove(self, address: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM resources WHERE address = %s", (address,))

    def begin_apply(self, plan_id: str) -> int:
        with self._transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'serial' FOR UPDATE").fetchone()
            serial = int(row[0] if row else 0) + 1
            self._set_meta("serial", str(serial))
            self._set_meta("applying_plan", plan_id)
        return serial

    def finish_apply(self, plan_id: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM meta WHERE key = 'applying_plan' AND value = %s", (plan_id,))
            db.execute("DELETE FROM apply_journal WHERE plan_id = %s", (plan_id,))
            self._set_meta("last_applied_plan", plan_id)

    def journal(self, plan_id: str) -> set[str]:
        rows = self.db.execute("SELECT address FROM apply_journal WHERE plan_id = %s",
                               (plan_id,))
        return {r[0] for r in rows}

    def mark_done(self, plan_id: str, address: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT INTO apply_journal VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                       (plan_id, address, now_iso()))

    def acquire_lock(self, holder: str, command: str) -> None:
        if self._holding_state_lock or not self._try_advisory(STATE_LOCK_KEY):
            info = self.lock_info()
            detail = info.describe() if info else "held by another session that is starting"
            raise StateError(f"state {self.url} is locked: {detail}. PostgreSQL releases the "
                             "lock when that run ends; if it hangs, stop it.")
        self._holding_state_lock = True
        found = _HOLDER.match(holder)
        try:
            with self._transaction() as db:
                stale = db.execute("SELECT holder, command, since FROM state_lock").fetchone()
                if stale is not None:
                    log.warning("state: taking over the lock of a run that ended: %s",
                                LockInfo(*stale).describe())
                db.execute(
                    "INSERT INTO state_lock VALUES (1, %s, %s, %s, %s, %s, %s, "
                    "pg_backend_pid()) ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, "
                    "command = excluded.command, since = excluded.since, "
                    "username = excluded.username, host = excluded.host, pid = excluded.pid, "
                    "backend_pid = excluded.backend_pid",
                    (holder, command, now_iso(), found and found["user"],
                     found and found["host"], found and int(found["pid"])))
        except BaseException:
            self._release_advisory(STATE_LOCK_KEY)
            self._holding_state_lock = False
            raise

    def release_lock(self, holder: str) -> None:
        if not self._holding_state_lock:
            return
        with self._transaction() as db:
            db.execute("DELETE FROM state_lock WHERE holder = %s AND backend_pid = "
                       "pg_backend_pid()", (holder,))
        self._release_advisory(STATE_LOCK_KEY)
        self._holding_state_lock = False

    def lock_info(self) -> LockInfo | None:
        row = self.db.execute("SELECT holder, command, since FROM state_lock").fetchone()
        return LockInfo(*row) if row else None

    def lock_is_live(self) -> bool:
        """True while some session holds the advisory lock, i.e. the holder is still running."""
        return self._advisory_held_elsewhere(STATE_LOCK_KEY) or self._holding_state_lock

    def force_unlock(self) -> LockInfo | None:
        """Forget a dead run's lock row; a live holder's lock cannot be cleared from outside."""
        info = self.lock_info()
        if self._advisory_held_elsewhere(STATE_LOCK_KEY):
            detail = info.describe() if info else "held by another session"
            raise StateError(f"state {self.url} is locked by a run that is still connected: "
                             f"{detail}. PostgreSQL releases it when that run ends; stop it "
                             "instead of unlocking.")
        with self._transaction() as db:
            db.execute("DELETE FROM state_lock")
        return info

    def writeback_statuses(self) -> dict[str, str]:
        rows = self.db.execute("SELECT campaign_id, status FROM writeback_ledger")
        return {r[0]: r[1] for r in rows}

    def writeback_ledger(self, campaign_id: str) -> WritebackLedger | None:
        row = self.db.execute(
            f"SELECT {', '.join(_LEDGER_COLUMNS)} FROM writeback_ledger WHERE campaign_id = %s",
            (campaign_id,)).fetchone()
        if row is None:
            return None
        values = dict(zip(_LEDGER_COLUMNS, row, strict=True))
        values["constituent_ids"] = json.loads(values["constituent_ids"])
        return WritebackLedger(**values)

    def start_writeback(self, ledger: WritebackLedger) -> None:
        stamp = now_iso()
        ledger.started_at = ledger.updated_at = stamp
        values = {name: getattr(ledger, name) for name in _LEDGER_COLUMNS}
        values["constituent_ids"] = json.dumps(ledger.constituent_ids, separators=(",", ":"))
        with self._transaction() as db:
            inserted = db.execute(
                f"INSERT INTO writeback_ledger ({', '.join(_LEDGER_COLUMNS)}) "
                f"VALUES ({', '.join('%s' for _ in _LEDGER_COLUMNS)}) ON CONFLICT DO NOTHING",
                tuple(values.values())).rowcount
        if inserted != 1:
            raise StateError(f"campaign {ledger.campaign_id} already has a writeback ledger in "
                             f"state {self.url}")

    def update_writeback_progress(self, ledger: WritebackLedger) -> None:
        ledger.updated_at = now_iso()
        with self._transaction() as db:
            updated = db.execute(
                "UPDATE writeback_ledger SET source_id = %s, batches_confirmed = %s, "
                "inserted = %s, skipped = %s, status = %s, updated_at = %s "
                "WHERE campaign_id = %s",
                (ledger.source_id, ledger.batches_confirmed, ledger.inserted, ledger.skipped,
                 ledger.status, ledger.updated_at, ledger.campaign_id)).rowcount
        if updated != 1:
            raise StateError(f"campaign {ledger.campaign_id} has no writeback ledger in state "
                             f"{self.url}")

    def close(self) -> None:
        """Closing the connection also drops any advisory lock this store still holds."""
        self.db.close()


_LEDGER_COLUMNS = tuple(f.name for f in fields(WritebackLedger))
