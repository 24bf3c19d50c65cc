"""States written by the Callboard before the shared schema open and migrate, losing nothing.

The fixtures are dumps of states the old code wrote (``fixtures/*.sql``, made at commit
3265b4d): a SQLite state at its schema version 3 and at version 1, and a PostgreSQL state at
its own version 1 (which held everything SQLite's three migrations did).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from engine.state import StateStore, open_state
from engine.state.base import ResourceRecord, SyncBaseline, sync_lock
from engine.state.schema import MIGRATIONS

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_LINEAGE = {"SqliteState": "701086e2-3e6a-4183-918c-9c1543fa7300",
                   "PostgresState": "7e74974c-ab81-45a8-af18-c4db2cf2b41e"}


def _sqlite_from(dump: str, path: Path) -> str:
    db = sqlite3.connect(path)
    db.executescript((FIXTURES / dump).read_text())
    db.close()
    return str(path)


def _postgres_from(dump: str, url: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        db.execute((FIXTURES / dump).read_text().encode())
    return url


def _assert_everything_kept(store: StateStore) -> None:
    header = store.header()
    assert header.lineage == FIXTURE_LINEAGE[type(store).__name__]
    assert (header.serial, header.applying_plan, header.last_applied_plan) == (
        2, "plan-2", "plan-1")
    assert list(store.resources()) == ["custom_fields.tier", "tags.members"]
    members = store.get("tags.members")
    assert members is not None and members.remote_id == "11"
    assert members.fields == {"name": "Members", "n": 1.5, "é": ["a", None]}
    assert store.get("custom_fields.tier").prevent_destroy is True  # type: ignore[union-attr]
    assert store.journal("plan-2") == {"tags.members"}
    ledger = store.writeback_ledger("c-1")
    assert ledger is not None and ledger.constituent_ids == [9, 8]
    assert (ledger.source_id, ledger.batches_confirmed, ledger.status) == (11, 1, "started")
    baseline = store.sync_baseline("s-old")
    assert baseline is not None and baseline.members == b"\x00\x01\xff"
    assert baseline.tag_id is None  # kept before tag ids were: the next run trusts it
    assert store.sync_plan("s1") == ("r1", b"\x00frozen\xff")
    assert store.sync_ledger("s1") == {"a@x.org": {1}}
    assert store.sync_associations("s1") == {"a@x.org": "ct-1"}
    assert store.sync_rejected("s1") == [("bad@x.org", 2, "invalid")]
    assert [r.run_id for r in store.sync_runs("data_syncs.members", "")] == ["r1"]
    # The old lock tables are gone with the locks the old runs left; the state works on.
    assert store.lock_info() is None and store.lock_info(sync_lock("data_syncs.members")) is None
    with store.locked("next@runner pid 1", "apply"):
        store.put(ResourceRecord("tags.new", "tags", "new", "12", {}))
    assert store.begin_apply("plan-3") == 3
    store.finish_sync_plan("s1", "r1", SyncBaseline("s1", b"\x01"), [], [])
    assert store.sync_plan("s1") is None


def test_a_sqlite_state_at_version_3_migrates(tmp_path: Path) -> None:
    path = _sqlite_from("sqlite_v3.sql", tmp_path / "state.db")
    store = open_state(path)
    try:
        _assert_everything_kept(store)
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    again = open_state(path)  # and opens again as it is
    assert again.header().serial == 3
    again.close()


def test_a_sqlite_state_of_the_first_release_migrates(tmp_path: Path) -> None:
    store = open_state(_sqlite_from("sqlite_v1.sql", tmp_path / "state.db"))
    try:
        header = store.header()
        assert (header.lineage, header.serial) == ("3f2b7a52-0d1e-4c55-9a51-0b5b8f6b3c11", 4)
        vip = store.get("tags.vip")
        assert vip is not None and vip.prevent_destroy and vip.fields == {"name": "VIP"}
        assert store.writeback_statuses() == {} and store.sync_baseline("s") is None
        store.acquire_lock("next@runner pid 1", "apply")
    finally:
        store.close()


def test_a_postgresql_state_of_the_old_layout_migrates(pg_url: str,
                                                       tmp_path: Path) -> None:
    import psycopg

    url = _postgres_from("postgres_v1.sql", pg_url)
    store = open_state(url)
    try:
        _assert_everything_kept(store)
    finally:
        store.close()
    with psycopg.connect(url) as db:
        version = db.execute("SELECT version FROM callboard.schema_version").fetchone()
        tables = {r[0] for r in db.execute("SELECT table_name FROM information_schema.tables "
                                           "WHERE table_schema = 'callboard'")}
    assert version == (len(MIGRATIONS),)
    assert "locks" in tables and not tables & {"state_lock", "sync_lock"}


@pytest.mark.parametrize("dump", ["sqlite_v3.sql", "sqlite_v1.sql"])
def test_a_read_only_open_of_an_old_state_reads_it_whole(dump: str, tmp_path: Path) -> None:
    """A read-only command (plan) opening an old state migrates it and reads it whole."""
    store = open_state(_sqlite_from(dump, tmp_path / "state.db"), read_only=True)
    try:
        assert store.exists and store.resources()
    finally:
        store.close()
