"""``state copy``: move a team's state between backends (SQLite <-> PostgreSQL) exactly.

Stores stamp times and move serials as they write, so the copy goes through their row seam
(``dump_rows`` / ``load_rows``) instead: lineage, serial, journals and timestamps arrive as they
were. Lock tables belong to one backend's runs and are never copied. A missing or empty source
is refused before anything is opened for writing; a target that holds a state is replaced only
with ``--force``, after a backup of it is kept, and its serial then moves past both, so a plan
saved against the replaced state is refused as stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import StateError
from engine.state.base import Rows, StateStore

#: Tables that say which run holds a lock right now, or how the schema is versioned.
NOT_COPIED: frozenset[str] = frozenset({"lock", "state_lock", "sync_lock", "schema_version"})


@dataclass(frozen=True)
class CopySummary:
    rows: dict[str, int]
    lineage: str
    serial: int
    #: Where the replaced target was kept (``--force`` over a state), or None.
    backup: str | None = None


def table_names(store: StateStore) -> set[str]:
    return store.table_names()  # type: ignore[attr-defined]


def read_tables(store: StateStore) -> Rows:
    return store.dump_rows()


def _is_empty(tables: Rows) -> bool:
    """Nothing was ever recorded: only a fresh lineage and serial 0."""
    meta = {row["key"]: row["value"] for row in tables["meta"]}
    return set(meta) <= {"lineage", "serial"} and meta.get("serial", "0") == "0" and not any(
        rows for table, rows in tables.items() if table != "meta")


def require_source(source: StateStore) -> None:
    """Refuse a source that does not exist, before the target is even opened."""
    if not source.exists:
        raise StateError(f"state {source.url} does not exist (no Callboard state there): "
                         "nothing to copy, nothing was changed. Check the path or URL.")


def _move_on(tables: Rows, replaced: Rows, what: str) -> None:
    """The copy's serial goes past both states', naming the copy as the last change."""
    def serial(rows: Rows) -> int:
        return max((int(r["value"]) for r in rows["meta"] if r["key"] == "serial"), default=0)

    meta = [r for r in tables["meta"] if r["key"] not in ("serial", "last_change")]
    tables["meta"] = meta + [{"key": "serial", "value": str(max(serial(tables),
                                                              serial(replaced)) + 1)},
                             {"key": "last_change", "value": what}]


def copy_state(source: StateStore, target: StateStore, holder: str,
               force: bool = False) -> CopySummary:
    """Replace ``target``'s data with ``source``'s, both locked for the duration."""
    require_source(source)
    if source.url == target.url:
        raise StateError(f"cannot copy state {source.url} onto itself")
    with source.locked(holder, "state copy"), target.locked(holder, "state copy"):
        tables = source.dump_rows()
        if _is_empty(tables):
            raise StateError(f"state {source.url} is empty (nothing was ever recorded in it): "
                             "nothing to copy, nothing was changed. Check the path or URL.")
        replaced, backup = target.dump_rows(), None
        if not _is_empty(replaced):
            header = target.header()
            if not force:
                raise StateError(f"state {target.url} is not empty (lineage {header.lineage}, "
                                 f"serial {header.serial}, {len(replaced['resources'])} "
                                 "resources); pass --force to replace it (a backup is kept)")
            backup = target.backup()
            _move_on(tables, replaced, f"state copy from {source.url} (replaced serial "
                                       f"{header.serial} of lineage {header.lineage})")
        try:
            target.load_rows(tables)
        except Exception as exc:
            raise StateError(f"copying into state {target.url} failed, nothing was changed: "
                             f"{exc}") from None
        header = target.header()
    return CopySummary(rows={t: len(r) for t, r in tables.items()}, lineage=header.lineage,
                       serial=header.serial, backup=backup)
