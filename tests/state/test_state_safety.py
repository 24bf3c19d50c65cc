"""State safety on both backends: changes move the serial, read-only opens create nothing,
damaged files are refused, copies refuse a missing source and keep a backup, threads share."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.apply.executor import moved_since
from engine.errors import StateError
from engine.state import StateStore, is_postgres_url, open_state
from engine.state.base import ResourceRecord, SyncBatchRecord
from engine.state.copy import copy_state


def _record(name: str) -> ResourceRecord:
    return ResourceRecord(f"tags.{name}", "tags", name, f"id-{name}", {"name": name})


def test_a_change_moves_the_serial_and_says_what_it_was(state: StateStore) -> None:
    state.put(_record("t1x"))
    before = state.header()
    with state.changing("state mv tags.t1x tags.keepme"):
        record = state.get("tags.t1x")
        assert record is not None
        state.remove("tags.t1x")
        state.put(ResourceRecord("tags.keepme", "tags", "keepme", record.remote_id, {}))
    after = state.header()
    assert (after.serial, after.last_change) == (before.serial + 1,
                                                 "state mv tags.t1x tags.keepme")
    assert moved_since(after, before.serial) == (
        f"the state is now at serial {after.serial} after 'state mv tags.t1x tags.keepme'")
    assert state.begin_apply("plan-9") == after.serial + 1
    assert "2 changes, the last 'apply of plan plan-9'" in moved_since(
        state.header(), before.serial)


def test_a_failed_change_changes_nothing(state: StateStore) -> None:
    state.put(_record("kept"))
    before = state.header()
    with pytest.raises(RuntimeError), state.changing("state rm tags.kept"):
        state.remove("tags.kept")
        raise RuntimeError("the command failed half-way")
    assert state.header() == before and state.get("tags.kept") is not None


def test_a_read_only_open_where_no_state_exists_creates_nothing(
        state_url: str, tmp_path: Path) -> None:
    postgres = is_postgres_url(state_url)
    url = state_url if postgres else str(tmp_path / "not" / "yet" / "state.db")
    store = open_state(url, read_only=True)
    try:
        assert not store.exists and store.resources() == {} and store.header().serial == 0
        assert store.header().lineage == ""  # a plan made now fits only an unchanged state
    finally:
        store.close()
    if postgres:
        import psycopg

        with psycopg.connect(state_url) as db:
            assert db.execute("SELECT 1 FROM information_schema.schemata "
                              "WHERE schema_name = 'callboard'").fetchone() is None
    else:
        assert not (tmp_path / "not").exists()


def test_a_read_only_open_reads_an_existing_state(open_store: Callable[[], StateStore],
                                                  state_url: str) -> None:
    open_store().put(_record("there"))
    store = open_state(state_url, read_only=True)
    try:
        assert store.exists and list(store.resources()) == ["tags.there"]
    finally:
        store.close()


def _damaged(path: Path, how: str) -> None:
    good = open_state(str(path))
    for n in range(200):
        good.put(_record(f"t{n}"))
    good.close()
    data = path.read_bytes()
    if how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":
        path.write_bytes(data[:len(data) // 2])
    elif how == "garbage":
        path.write_bytes(b"this is not a database at all\n" * 200)
    else:
        db = sqlite3.connect(path)
        db.execute("PRAGMA user_version = 99")
        db.commit()
        db.close()


@pytest.mark.parametrize("how", ["empty", "truncated", "garbage", "newer"])
def test_a_damaged_or_newer_sqlite_state_is_refused_and_left_alone(how: str,
                                                                    tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    _damaged(path, how)
    assert not (tmp_path / "state.db-wal").exists()  # every write is in the file
    before = path.read_bytes()
    with pytest.raises(StateError) as refused:
        store = open_state(str(path))
        try:  # a truncation SQLite finds when it reads the missing pages
            store.resources()
        finally:
            store.close()
    message = str(refused.value)
    assert str(path) in message
    if how == "newer":
        assert "newer than this Callboard" in message and "Upgrade Callboard" in message
    else:
        assert "damaged" in message and "backup" in message and "state copy" in message
    assert path.read_bytes() == before  # never taken for a new state, never rewritten


def test_copy_refuses_a_missing_source_and_creates_nothing(
        state_url: str, tmp_path: Path, pg_cluster: object) -> None:
    target = open_state(state_url)
    target.put(_record("precious"))
    if is_postgres_url(state_url):  # a database that exists but holds no Callboard state
        missing_url = pg_cluster.new_database()  # type: ignore[attr-defined]
    else:
        missing_url = str(tmp_path / "typo.db")
    source = open_state(missing_url, read_only=True)
    try:
        with pytest.raises(StateError, match="does not exist .*nothing was changed"):
            copy_state(source, target, "alice@laptop pid 1", force=True)
        assert list(target.resources()) == ["tags.precious"]
    finally:
        source.close()
        target.close()
    assert not open_state(missing_url, read_only=True).exists


def test_copy_refuses_an_empty_source(state_url: str, tmp_path: Path) -> None:
    empty = open_state(str(tmp_path / "empty.db"))  # exists, nothing ever recorded
    target = open_state(state_url)
    target.put(_record("precious"))
    try:
        with pytest.raises(StateError, match="is empty .*nothing was changed"):
            copy_state(empty, target, "alice@laptop pid 1", force=True)
        assert list(target.resources()) == ["tags.precious"]
    finally:
        empty.close()
        target.close()


def test_a_forced_copy_keeps_a_backup_and_moves_past_both_serials(
        state_url: str, tmp_path: Path) -> None:
    source = open_state(str(tmp_path / "source.db"))
    source.put(_record("new"))
    source.begin_apply("p1")
    target = open_state(state_url)
    target.put(_record("old"))
    for n in range(5):
        target.begin_apply(f"t{n}")
    old = target.header()
    try:
        summary = copy_state(source, target, "alice@laptop pid 1", force=True)
        assert summary.backup is not None
        header = target.header()
        assert list(target.resources()) == ["tags.new"]
        assert header.serial == 6 and header.lineage == source.header().lineage
        assert header.last_change is not None and "state copy from" in header.last_change
        assert f"replaced serial 5 of lineage {old.lineage}" in header.last_change
    finally:
        source.close()
        target.close()
    if is_postgres_url(state_url):
        assert summary.backup.startswith("postgresql://") and "schema=callboard_backup_5" in (
            summary.backup)
        backup_url = state_url + "?schema=callboard_backup_5"
    else:
        backup_url = summary.backup
        assert backup_url == f"{state_url}.backup-5"
    kept = open_state(backup_url)
    try:
        assert kept.header() == old and list(kept.resources()) == ["tags.old"]
        assert kept.lock_info() is None
    finally:
        kept.close()


def test_threads_share_one_store(state: StateStore) -> None:
    """Async code calls a store from worker threads; its statements and transactions must not
    interleave."""
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                state.put(_record(f"t{n}-{i}"))
                state.mark_done("plan", f"tags.t{n}-{i}")
                state.record_sync_batch("s", "r", SyncBatchRecord(
                    batch_no=n * 100 + i, tagged=[(f"a{n}-{i}@x.org", i)]))
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(state.resources()) == 120 and len(state.journal("plan")) == 120
    assert len(state.sync_batches_done("s", "r")) == 120 and len(state.sync_ledger("s")) == 120
