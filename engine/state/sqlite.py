"""SQLite state: a single file, the default for one person or one runner."""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

from engine.errors import StateError
from engine.state.base import (
    LockInfo,
    ResourceRecord,
    StateHeader,
    StateStore,
    WritebackLedger,
)
from engine.state.sqlite_sync import SqliteSyncState

#: Each entry upgrades the schema by one version; never edit a released entry, append one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE resources (
        address TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        fields TEXT NOT NULL,
        prevent_destroy INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE lock (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        holder TEXT NOT NULL, command TEXT NOT NULL, since TEXT NOT NULL
    );
    CREATE TABLE apply_journal (
        plan_id TEXT NOT NULL, address TEXT NOT NULL, finished_at TEXT NOT NULL,
        PRIMARY KEY (plan_id, address)
    );
    """,
    # campaign writeback ledgers (seed 002): one row per campaign, exactly-once promotions
    """
    CREATE TABLE writeback_ledger (
        campaign_id TEXT PRIMARY KEY,
        campaign_name TEXT NOT NULL,
        mapping_id TEXT NOT NULL,
        mapping_name TEXT NOT NULL,
        appeal_id INTEGER NOT NULL,
        source_group_id INTEGER NOT NULL,
        media_type_id INTEGER NOT NULL,
        constituent_ids TEXT NOT NULL,
        constituents_digest TEXT NOT NULL,
        unowned_addresses INTEGER NOT NULL,
        batch_size INTEGER NOT NULL,
        source_id INTEGER,
        batches_confirmed INTEGER NOT NULL DEFAULT 0,
        inserted INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
    # Data Sync runs (seed 003): baselines, frozen run plans and their batch journal, the
    # address ledger, cached contactTag ids, rejected contacts, the run log, per-sync locks
    """
    CREATE TABLE sync_baseline (
        sync_id TEXT PRIMARY KEY, members BLOB NOT NULL, audit_until TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE sync_plan (
        sync_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, payload BLOB NOT NULL,
        frozen_at TEXT NOT NULL
    );
    CREATE TABLE sync_batch_journal (
        sync_id TEXT NOT NULL, run_id TEXT NOT NULL, batch_no INTEGER NOT NULL,
        finished_at TEXT NOT NULL, PRIMARY KEY (sync_id, run_id, batch_no)
    );
    CREATE TABLE sync_ledger (
        sync_id TEXT NOT NULL, address TEXT NOT NULL, constituent_id INTEGER NOT NULL,
        PRIMARY KEY (sync_id, address, constituent_id)
    );
    CREATE INDEX sync_ledger_constituent ON sync_ledger (sync_id, constituent_id);
    CREATE TABLE sync_association (
        sync_id TEXT NOT NULL, address TEXT NOT NULL, association_id TEXT NOT NULL,
        PRIMARY KEY (sync_id, address)
    );
    CREATE TABLE sync_rejected (
        sync_id TEXT NOT NULL, address TEXT NOT NULL, constituent_id INTEGER NOT NULL,
        reason TEXT NOT NULL, seen_at TEXT NOT NULL,
        PRIMARY KEY (sync_id, address, constituent_id)
    );
    CREATE TABLE sync_run_log (
        run_id TEXT PRIMARY KEY, sync_id TEXT NOT NULL, address TEXT NOT NULL,
        started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL, summary TEXT NOT NULL
    );
    CREATE INDEX sync_run_log_started ON sync_run_log (started_at);
    CREATE TABLE sync_lock (
        address TEXT PRIMARY KEY, holder TEXT NOT NULL, since TEXT NOT NULL
    );
    """,
    # Data Sync contact data (resync: values): each member's carried-value digest, as sent
    """
    CREATE TABLE sync_value_digest (
        sync_id TEXT NOT NULL, constituent_id INTEGER NOT NULL, digest INTEGER NOT NULL,
        PRIMARY KEY (sync_id, constituent_id)
    );
    """,
]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SqliteState(SqliteSyncState, StateStore):
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.url = str(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"cannot open state {self.path}: {exc}") from exc
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA busy_timeout=30000")
        self._migrate()

    def _migrate(self) -> None:
        """Apply pending migrations one transaction each. The version is read inside the
        write transaction, so two processes opening a new file at once migrate it once."""
        while True:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                version = self.db.execute("PRAGMA user_version").fetchone()[0]
                if version > len(MIGRATIONS):
                    raise StateError(
                        f"state {self.path} has schema version {version}, newer than this "
                        f"Callboard understands ({len(MIGRATIONS)}): upgrade Callboard")
                if version == len(MIGRATIONS):
                    self.db.execute("COMMIT")
                    return
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                if version == 0:
                    self.db.execute("INSERT INTO meta VALUES ('lineage', ?), ('serial', '0')",
                                    (str(uuid.uuid4()),))
                self.db.execute(f"PRAGMA user_version = {version + 1}")
                self.db.execute("COMMIT")
            except (sqlite3.Error, StateError):
                self.db.execute("ROLLBACK")
                raise

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def header(self) -> StateHeader:
        return StateHeader(lineage=self._meta("lineage") or "", serial=int(self._meta("serial")
                           or 0), applying_plan=self._meta("applying_plan"),
                           last_applied_plan=self._meta("last_applied_plan"))

    def resources(self) -> dict[str, ResourceRecord]:
        rows = self.db.execute(
            "SELECT address, kind, name, remote_id, fields, prevent_destroy, updated_at "
            "FROM resources ORDER BY address").fetchall()
        return {r[0]: ResourceRecord(address=r[0], kind=r[1], name=r[2], remote_id=r[3],
                                     fields=json.loads(r[4]), prevent_destroy=bool(r[5]),
                                     updated_at=r[6]) for r in rows}

    def put(self, record: ResourceRecord) -> None:
        self.db.execute(
            "INSERT INTO resources VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(address) DO UPDATE "
            "SET kind=excluded.kind, name=excluded.name, remote_id=excluded.remote_id, "
            "fields=excluded.fields, prevent_destroy=excluded.prevent_destroy, "
            "updated_at=excluded.updated_at",
            (record.address, record.kind, record.name, record.remote_id,
             json.dumps(record.fields, sort_keys=True), int(record.prevent_destroy), now_iso()))

    def remove(self, address: str) -> None:
        self.db.execute("DELETE FROM resources WHERE address = ?", (address,))

    def begin_apply(self, plan_id: str) -> int:
        self.db.execute("BEGIN IMMEDIATE")
        serial = int(self._meta("serial") or 0) + 1
        self.db.execute("UPDATE meta SET value = ? WHERE key = 'serial'", (str(serial),))
        self.db.execute("INSERT INTO meta VALUES ('applying_plan', ?) ON CONFLICT(key) DO UPDATE "
                        "SET value = excluded.value", (plan_id,))
        self.db.execute("COMMIT")
        return serial

    def finish_apply(self, plan_id: str) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("DELETE FROM meta WHERE key = 'applying_plan' AND value = ?", (plan_id,))
        self.db.execute("DELETE FROM apply_journal WHERE plan_id = ?", (plan_id,))
        self.db.execute("INSERT INTO meta VALUES ('last_applied_plan', ?) ON CONFLICT(key) DO "
                        "UPDATE SET value = excluded.value", (plan_id,))
        self.db.execute("COMMIT")

    def journal(self, plan_id: str) -> set[str]:
        rows = self.db.execute("SELECT address FROM apply_journal WHERE plan_id = ?", (plan_id,))
        return {r[0] for r in rows}

    def mark_done(self, plan_id: str, address: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO apply_journal VALUES (?, ?, ?)",
                        (plan_id, address, now_iso()))

    def acquire_lock(self, holder: str, command: str) -> None:
        try:
            self.db.execute("INSERT INTO lock VALUES (1, ?, ?, ?)", (holder, command, now_iso()))
        except sqlite3.IntegrityError:
            info = self.lock_info()
            detail = info.describe() if info else "held by another process"
            raise StateError(f"state {self.url} is locked: {detail}. If that run is gone, "
                             "clear it with 'callboard state unlock'.") from None

    def release_lock(self, holder: str) -> None:
        self.db.execute("DELETE FROM lock WHERE id = 1 AND holder = ?", (holder,))

    def lock_info(self) -> LockInfo | None:
        row = self.db.execute("SELECT holder, command, since FROM lock WHERE id = 1").fetchone()
        return LockInfo(*row) if row else None

    def force_unlock(self) -> LockInfo | None:
        info = self.lock_info()
        self.db.execute("DELETE FROM lock WHERE id = 1")
        return info

    def writeback_statuses(self) -> dict[str, str]:
        rows = self.db.execute("SELECT campaign_id, status FROM writeback_ledger")
        return {r[0]: r[1] for r in rows}

    def writeback_ledger(self, campaign_id: str) -> WritebackLedger | None:
        row = self.db.execute(
            f"SELECT {', '.join(_LEDGER_COLUMNS)} FROM writeback_ledger WHERE campaign_id = ?",
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
        try:
            self.db.execute(
                f"INSERT INTO writeback_ledger ({', '.join(_LEDGER_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in _LEDGER_COLUMNS)})", tuple(values.values()))
        except sqlite3.IntegrityError:
            raise StateError(f"campaign {ledger.campaign_id} already has a writeback ledger in "
                             f"state {self.url}") from None

    def update_writeback_progress(self, ledger: WritebackLedger) -> None:
        ledger.updated_at = now_iso()
        cursor = self.db.execute(
            "UPDATE writeback_ledger SET source_id = ?, batches_confirmed = ?, inserted = ?, "
            "skipped = ?, status = ?, updated_at = ? WHERE campaign_id = ?",
            (ledger.source_id, ledger.batches_confirmed, ledger.inserted, ledger.skipped,
             ledger.status, ledger.updated_at, ledger.campaign_id))
        if cursor.rowcount != 1:
            raise StateError(f"campaign {ledger.campaign_id} has no writeback ledger in state "
                             f"{self.url}")

    def close(self) -> None:
        self.db.close()


_LEDGER_COLUMNS = tuple(f.name for f in fields(WritebackLedger))
