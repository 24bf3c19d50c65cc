"""``state copy``: move a team's state between backends (SQLite <-> PostgreSQL) exactly.

The ``StateStore`` interface stamps times and bumps serials as it writes, so copying through it
would change what it copies. Both backends keep the same tables and columns, so the copy works
on rows instead: every data table is read in full and written in one transaction, keeping
lineage, serial, journals and timestamps as they were. Lock tables belong to the runs of one
backend and are never copied. A table this module does not know stops the copy rather than
being left behind.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from engine.errors import StateError
from engine.state.base import StateStore

#: Every table that holds a state's data, in an order that respects nothing but habit
#: (there are no foreign keys).
COPIED_TABLES: tuple[str, ...] = (
    "meta", "resources", "apply_journal", "writeback_ledger", "sync_baseline", "sync_plan",
    "sync_batch_journal", "sync_ledger", "sync_association", "sync_rejected", "sync_run_log",
    "sync_value_digest",
)
#: Tables that say which run holds a lock right now, or how the schema is versioned.
NOT_COPIED: frozenset[str] = frozenset({"lock", "state_lock", "sync_lock", "schema_version"})
#: Columns stored as 0/1 in SQLite and as booleans in PostgreSQL.
BOOLEAN_COLUMNS: frozenset[str] = frozenset({"prevent_destroy"})

Row = dict[str, Any]


@dataclass(frozen=True)
class CopySummary:
    rows: dict[str, int]
    lineage: str
    serial: int


def _is_sqlite(store: StateStore) -> bool:
    return isinstance(getattr(store, "db", None), sqlite3.Connection)


def _connection(store: StateStore) -> Any:
    db = getattr(store, "db", None)
    if db is None:
        raise StateError(f"state {store.url} cannot be copied: unknown backend")
    return db


def table_names(store: StateStore) -> set[str]:
    db = _connection(store)
    if _is_sqlite(store):
        rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    else:
        rows = db.execute("SELECT table_name FROM information_schema.tables "
                          "WHERE table_schema = current_schema()").fetchall()
    return {r[0] for r in rows if not r[0].startswith("sqlite_")}


def _canonical(column: str, value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value)
    if column in BOOLEAN_COLUMNS and value is not None:
        return bool(value)
    return value


def read_tables(store: StateStore) -> dict[str, list[Row]]:
    """Every data row of ``store``, in a backend-neutral form, sorted for comparing."""
    unknown = table_names(store) - set(COPIED_TABLES) - NOT_COPIED
    if unknown:
        raise StateError(f"state {store.url} has tables this Callboard cannot copy: "
                         f"{', '.join(sorted(unknown))}; upgrade Callboard")
    db = _connection(store)
    tables: dict[str, list[Row]] = {}
    for table in COPIED_TABLES:
        cursor = db.execute(f"SELECT * FROM {table}")
        columns = [d[0] for d in cursor.description]
        rows = [{c: _canonical(c, v) for c, v in zip(columns, row, strict=True)}
                for row in cursor.fetchall()]
        tables[table] = sorted(rows, key=lambda row: repr(sorted(row.items())))
    return tables


def is_empty(store: StateStore) -> bool:
    """True for a state nothing was ever recorded in (only its fresh lineage and serial 0)."""
    tables = read_tables(store)
    meta = {row["key"]: row["value"] for row in tables.pop("meta")}
    return set(meta) <= {"lineage", "serial"} and meta.get("serial", "0") == "0" and not any(
        tables.values())


def _write_tables(store: StateStore, tables: dict[str, list[Row]]) -> None:
    db = _connection(store)
    sqlite = _is_sqlite(store)
    mark = "?" if sqlite else "%s"

    def write() -> None:
        for table in COPIED_TABLES:
            db.execute(f"DELETE FROM {table}")
            rows = tables[table]
            if not rows:
                continue
            columns = list(rows[0])
            statement = (f"INSERT INTO {table} ({', '.join(columns)}) "
                         f"VALUES ({', '.join(mark for _ in columns)})")
            values = [tuple(row[c] for c in columns) for row in rows]
            if sqlite:
                db.executemany(statement, values)
            else:
                with db.cursor() as cursor:
                    cursor.executemany(statement, values)

    if sqlite:
        db.execute("BEGIN IMMEDIATE")
        try:
            write()
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    else:
        with db.transaction():
            write()


def copy_state(source: StateStore, target: StateStore, holder: str,
               force: bool = False) -> CopySummary:
    """Replace ``target``'s data with ``source``'s, both locked for the duration.

    Refuses a target that already holds a state unless ``force``: copying over it would lose
    that state's lineage and history.
    """
    if source.url == target.url:
        raise StateError(f"cannot copy state {source.url} onto itself")
    with source.locked(holder, "state copy"), target.locked(holder, "state copy"):
        if not force and not is_empty(target):
            header = target.header()
            raise StateError(f"state {target.url} is not empty (lineage {header.lineage}, "
                             f"serial {header.serial}, {len(target.resources())} resources); "
                             "pass --force to replace it")
        tables = read_tables(source)
        try:
            _write_tables(target, tables)
        except Exception as exc:
            raise StateError(f"copying into state {target.url} failed, nothing was changed: "
                             f"{exc}") from None
        header = target.header()
    return CopySummary(rows={t: len(r) for t, r in tables.items()}, lineage=header.lineage,
                       serial=header.serial)
