"""PostgreSQL state's schema: the SQLite tables, in a ``callboard`` schema, versioned.

Table and column names match ``engine.state.sqlite.MIGRATIONS`` so ``state copy`` moves rows
between backends by name. Timestamps stay ISO text, exactly as SQLite keeps them, so a copied
state compares equal; text that is sorted or compared uses the "C" collation, as SQLite does.
Membership bitmaps and frozen run plans are ``bytea``.
"""

from __future__ import annotations

SCHEMA = "callboard"

#: Each entry upgrades the schema by one version; never edit a released entry, append one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE resources (
        address TEXT COLLATE "C" PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        fields TEXT NOT NULL,
        prevent_destroy BOOLEAN NOT NULL DEFAULT FALSE,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE state_lock (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        holder TEXT NOT NULL, command TEXT NOT NULL, since TEXT NOT NULL,
        username TEXT, host TEXT, pid INTEGER, backend_pid INTEGER NOT NULL
    );
    CREATE TABLE apply_journal (
        plan_id TEXT NOT NULL, address TEXT NOT NULL, finished_at TEXT NOT NULL,
        PRIMARY KEY (plan_id, address)
    );
    CREATE TABLE writeback_ledger (
        campaign_id TEXT PRIMARY KEY,
        campaign_name TEXT NOT NULL,
        mapping_id TEXT NOT NULL,
        mapping_name TEXT NOT NULL,
        appeal_id BIGINT NOT NULL,
        source_group_id BIGINT NOT NULL,
        media_type_id BIGINT NOT NULL,
        constituent_ids TEXT NOT NULL,
        constituents_digest TEXT NOT NULL,
        unowned_addresses BIGINT NOT NULL,
        batch_size BIGINT NOT NULL,
        source_id BIGINT,
        batches_confirmed BIGINT NOT NULL DEFAULT 0,
        inserted BIGINT NOT NULL DEFAULT 0,
        skipped BIGINT NOT NULL DEFAULT 0,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE sync_baseline (
        sync_id TEXT PRIMARY KEY, members BYTEA NOT NULL, audit_until TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE sync_plan (
        sync_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, payload BYTEA NOT NULL,
        frozen_at TEXT NOT NULL
    );
    CREATE TABLE sync_batch_journal (
        sync_id TEXT NOT NULL, run_id TEXT NOT NULL, batch_no BIGINT NOT NULL,
        finished_at TEXT NOT NULL, PRIMARY KEY (sync_id, run_id, batch_no)
    );
    CREATE TABLE sync_ledger (
        sync_id TEXT NOT NULL, address TEXT NOT NULL, constituent_id BIGINT NOT NULL,
        PRIMARY KEY (sync_id, address, constituent_id)
    );
    CREATE INDEX sync_ledger_constituent ON sync_ledger (sync_id, constituent_id);
    CREATE TABLE sync_association (
        sync_id TEXT NOT NULL, address TEXT NOT NULL, association_id TEXT NOT NULL,
        PRIMARY KEY (sync_id, address)
    );
    CREATE TABLE sync_rejected (
        sync_id TEXT NOT NULL, address TEXT COLLATE "C" NOT NULL,
        constituent_id BIGINT NOT NULL, reason TEXT NOT NULL, seen_at TEXT NOT NULL,
        PRIMARY KEY (sync_id, address, constituent_id)
    );
    CREATE TABLE sync_run_log (
        run_id TEXT COLLATE "C" PRIMARY KEY, sync_id TEXT NOT NULL, address TEXT NOT NULL,
        started_at TEXT COLLATE "C" NOT NULL, finished_at TEXT, status TEXT NOT NULL,
        summary TEXT NOT NULL
    );
    CREATE INDEX sync_run_log_started ON sync_run_log (started_at);
    CREATE TABLE sync_lock (
        address TEXT PRIMARY KEY, holder TEXT NOT NULL, since TEXT NOT NULL,
        backend_pid INTEGER NOT NULL
    );
    """,
    # Data Sync contact data (resync: values): each member's carried-value digest, as sent
    """
    CREATE TABLE sync_value_digest (
        sync_id TEXT NOT NULL, constituent_id BIGINT NOT NULL, digest BIGINT NOT NULL,
        PRIMARY KEY (sync_id, constituent_id)
    );
    """,
]
