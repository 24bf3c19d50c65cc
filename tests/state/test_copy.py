"""``callboard state copy``: a team moves SQLite -> PostgreSQL -> SQLite and loses nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli.main import main
from engine.state import StateStore, open_state
from engine.state.base import (
    ResourceRecord,
    SyncBaseline,
    SyncBatchRecord,
    SyncRunLogEntry,
    WritebackLedger,
)
from engine.state.schema import NOT_DATA as NOT_COPIED
from engine.state.sqlite import SqliteState


def _fill(store: StateStore) -> None:
    """One of everything a state records, including work left half done."""
    for name in ("members", "donors"):
        store.put(ResourceRecord(f"tags.{name}", "tags", name, f"id-{name}",
                                 {"name": name.title(), "n": 1.5, "list": ["a", None]}))
    store.put(ResourceRecord("custom_fields.tier", "custom_fields", "tier", "7", {"t": "Tier"},
                             prevent_destroy=True))
    store.begin_apply("plan-1")
    store.finish_apply("plan-1")
    store.begin_apply("plan-2")  # interrupted apply: its journal must travel too
    store.mark_done("plan-2", "tags.members")
    store.start_writeback(WritebackLedger("c-1", "Spring", "m", "spring", 1, 2, 3, [9, 8], "d",
                                          0, 500, source_id=11, batches_confirmed=1))
    store.finish_sync_plan("s-old", "r-old", SyncBaseline("s-old", b"\x00\x01\xff"), [], [])
    store.freeze_sync_plan("s1", "r1", b"\x00frozen\xff")
    store.record_sync_batch("s1", "r1", SyncBatchRecord(
        batch_no=0, tagged=[("a@x.org", 1)], associations={"a@x.org": "ct-1"},
        rejected={"bad@x.org": ([2], "invalid")}))
    store.log_sync_run(SyncRunLogEntry("r1", "s1", "data_syncs.members",
                                       "2099-01-01T00:00:00+00:00", None, "running", {"k": [1]}))


def _copy(src: str, dst: str, capsys: pytest.CaptureFixture[str],
          *extra: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--no-color", "state", "copy", src, dst, *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_round_trip_sqlite_postgresql_sqlite_is_identical(
        tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    original = str(tmp_path / "team.db")
    store = open_state(original)
    _fill(store)
    before, header = store.dump_rows(), store.header()
    store.close()

    code, out, _ = _copy(original, pg_url, capsys)
    assert code == 0
    assert "3 resources" in out and f"lineage {header.lineage}, serial 2" in out
    back = str(tmp_path / "back.db")
    assert _copy(pg_url, back, capsys)[0] == 0

    for url in (pg_url, back):
        copied = open_state(url)
        try:
            assert copied.dump_rows() == before
            assert copied.header() == header
            assert copied.journal("plan-2") == {"tags.members"}
            assert copied.sync_plan("s1") == ("r1", b"\x00frozen\xff")
            assert copied.lock_info() is None  # the copy's own locks were released
        finally:
            copied.close()


def test_copy_refuses_a_target_that_holds_a_state(
        tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    source = str(tmp_path / "source.db")
    store = open_state(source)
    store.put(ResourceRecord("tags.a", "tags", "a", "1", {}))
    store.close()
    target = open_state(pg_url)
    target.put(ResourceRecord("tags.other", "tags", "other", "2", {}))
    target_lineage = target.header().lineage
    target.close()

    code, _, err = _copy(source, pg_url, capsys)
    assert code == 1 and "is not empty" in err and "--force" in err
    kept = open_state(pg_url)
    assert list(kept.resources()) == ["tags.other"] and kept.header().lineage == target_lineage
    kept.close()

    assert _copy(source, pg_url, capsys, "--force")[0] == 0
    replaced = open_state(pg_url)
    assert list(replaced.resources()) == ["tags.a"]
    assert replaced.header().lineage != target_lineage
    replaced.close()


def test_copy_refuses_while_a_run_holds_the_source(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = str(tmp_path / "source.db")
    holder = open_state(source)
    holder.acquire_lock("alice@ci pid 42", "apply")
    try:
        code, _, err = _copy(source, str(tmp_path / "target.db"), capsys)
    finally:
        holder.close()
    assert code == 1 and "held by alice@ci pid 42" in err


def _table_names(store: StateStore) -> set[str]:
    if isinstance(store, SqliteState):
        rows = store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        rows = store.db.execute("SELECT table_name FROM information_schema.tables "
                                "WHERE table_schema = 'callboard'")
    return {r[0] for r in rows}


def test_both_backends_keep_the_same_tables_and_columns(tmp_path: Path, pg_url: str) -> None:
    """A table added to one backend only would be silently lost by ``state copy``."""
    sqlite, postgres = open_state(str(tmp_path / "s.db")), open_state(pg_url)
    try:
        assert _table_names(sqlite) - NOT_COPIED == _table_names(postgres) - NOT_COPIED
        _fill(sqlite)
        _fill(postgres)
        shapes = [{t: sorted(rows[0]) for t, rows in s.dump_rows().items() if rows}
                  for s in (sqlite, postgres)]
        assert shapes[0] == shapes[1] and len(shapes[0]) == 11
    finally:
        sqlite.close()
        postgres.close()
