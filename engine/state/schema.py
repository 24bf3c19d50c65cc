"""The state's tables for both backends, as one list of migrations: each entry upgrades the
schema one version (never edit a released one, append). Words each backend spells its own way
are ``{int}``, ``{bool}``, ``{false}``, ``{blob}`` and ``{c}`` (PostgreSQL sorts that text in
the "C" collation, as SQLite does). Timestamps are ISO text, so a copied state compares equal."""

from __future__ import annotations

import re

MIGRATIONS: list[str] = [
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE resources (
        address TEXT{c} PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,
        remote_id TEXT NOT NULL, fields TEXT NOT NULL,
        prevent_destroy {bool} NOT NULL DEFAULT {false}, updated_at TEXT NOT NULL);
    CREATE TABLE apply_journal (plan_id TEXT NOT NULL, address TEXT NOT NULL,
        finished_at TEXT NOT NULL, PRIMARY KEY (plan_id, address));
    """,
    # campaign writeback ledgers (seed 002): one row per campaign, exactly-once promotions
    """
    CREATE TABLE writeback_ledger (
        campaign_id TEXT PRIMARY KEY, campaign_name TEXT NOT NULL, mapping_id TEXT NOT NULL,
        mapping_name TEXT NOT NULL, appeal_id {int} NOT NULL, source_group_id {int} NOT NULL,
        media_type_id {int} NOT NULL, constituent_ids TEXT NOT NULL,
        constituents_digest TEXT NOT NULL, unowned_addresses {int} NOT NULL,
        batch_size {int} NOT NULL, source_id {int}, batches_confirmed {int} NOT NULL DEFAULT 0,
        inserted {int} NOT NULL DEFAULT 0, skipped {int} NOT NULL DEFAULT 0,
        status TEXT NOT NULL, started_at TEXT NOT NULL, updated_at TEXT NOT NULL);
    """,
    # Data Sync runs (seed 003): baselines, frozen run plans and their batch journal, the
    # address ledger, cached contactTag ids, rejected contacts, the run log
    """
    CREATE TABLE sync_baseline (sync_id TEXT PRIMARY KEY, members {blob} NOT NULL,
        audit_until TEXT, updated_at TEXT NOT NULL);
    CREATE TABLE sync_plan (sync_id TEXT PRIMARY KEY, run_id TEXT NOT NULL,
        payload {blob} NOT NULL, frozen_at TEXT NOT NULL);
    CREATE TABLE sync_batch_journal (sync_id TEXT NOT NULL, run_id TEXT NOT NULL,
        batch_no {int} NOT NULL, finished_at TEXT NOT NULL,
        PRIMARY KEY (sync_id, run_id, batch_no));
    CREATE TABLE sync_ledger (sync_id TEXT NOT NULL, address TEXT NOT NULL,
        constituent_id {int} NOT NULL, PRIMARY KEY (sync_id, address, constituent_id));
    CREATE INDEX sync_ledger_constituent ON sync_ledger (sync_id, constituent_id);
    CREATE TABLE sync_association (sync_id TEXT NOT NULL, address TEXT NOT NULL,
        association_id TEXT NOT NULL, PRIMARY KEY (sync_id, address));
    CREATE TABLE sync_rejected (sync_id TEXT NOT NULL, address TEXT{c} NOT NULL,
        constituent_id {int} NOT NULL, reason TEXT NOT NULL, seen_at TEXT NOT NULL,
        PRIMARY KEY (sync_id, address, constituent_id));
    CREATE TABLE sync_run_log (run_id TEXT{c} PRIMARY KEY, sync_id TEXT NOT NULL,
        address TEXT NOT NULL, started_at TEXT{c} NOT NULL, finished_at TEXT,
        status TEXT NOT NULL, summary TEXT NOT NULL);
    CREATE INDEX sync_run_log_started ON sync_run_log (started_at);
    """,
    # one lock table ("state" and "sync:ADDRESS" rows) instead of each backend's own; the
    # holder's PostgreSQL session ("pid@backend_start") says whether it still runs
    """
    DROP TABLE IF EXISTS "lock"; DROP TABLE IF EXISTS state_lock;
    DROP TABLE IF EXISTS sync_lock;
    CREATE TABLE locks (name TEXT PRIMARY KEY, holder TEXT NOT NULL, command TEXT NOT NULL,
        since TEXT NOT NULL, session TEXT);
    """,
    # contact data (resync: values): the digest of each member's carried values, as sent
    """CREATE TABLE sync_value_digest (sync_id TEXT NOT NULL, constituent_id {int} NOT NULL,
        digest {int} NOT NULL, PRIMARY KEY (sync_id, constituent_id));""",
    # run plans frozen part by part as the export streams in (a million members never in
    # memory): the parts, the addresses they import, the digests kept once the run is done
    """
    CREATE TABLE sync_plan_part (sync_id TEXT NOT NULL, run_id TEXT NOT NULL,
        part_no {int} NOT NULL, kind TEXT NOT NULL, payload {blob} NOT NULL,
        PRIMARY KEY (sync_id, run_id, part_no));
    CREATE TABLE sync_plan_address (sync_id TEXT NOT NULL, run_id TEXT NOT NULL,
        address TEXT{c} NOT NULL, PRIMARY KEY (sync_id, run_id, address));
    CREATE TABLE sync_plan_digest (sync_id TEXT NOT NULL, run_id TEXT NOT NULL,
        constituent_id {int} NOT NULL, digest {int} NOT NULL,
        PRIMARY KEY (sync_id, run_id, constituent_id));
    """,
    # the tag a baseline was confirmed against: one deleted and made again starts it afresh
    "ALTER TABLE sync_baseline ADD COLUMN tag_id TEXT;",
    # a purpose update's addresses Tessitura answered not_found for (a resumed run counts them)
    "ALTER TABLE sync_batch_journal ADD COLUMN not_found {int} NOT NULL DEFAULT 0;",
]

#: Tables that say who holds a lock now or how the schema is versioned: never copied.
NOT_DATA: frozenset[str] = frozenset({"locks", "schema_version"})
#: Every table that holds a state's data (``state copy`` moves exactly these), and the columns
#: SQLite keeps as 0/1 and PostgreSQL as booleans.
DATA_TABLES = tuple(t for t in re.findall(r"CREATE TABLE (\w+)", "".join(MIGRATIONS))
                    if t not in NOT_DATA)
BOOLEAN_COLUMNS = frozenset(re.findall(r"(\w+) \{bool\}", "".join(MIGRATIONS)))
