"""``state copy``: move a state between backends exactly, through the stores' row seam. A
missing or empty source is refused; a target holding a state is replaced only with ``--force``,
after a backup of it is kept (as ``terraform.tfstate.backup``), and its serial moves past both."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from itertools import count

from engine.errors import StateError
from engine.state import open_state
from engine.state.base import Rows, StateStore


@dataclass(frozen=True)
class CopySummary:
    rows: dict[str, int]
    lineage: str
    serial: int
    backup: str | None = None  # where the replaced target was kept


def _serial(tables: Rows) -> int:
    return max((int(r["value"]) for r in tables["meta"] if r["key"] == "serial"), default=0)


def _is_empty(tables: Rows) -> bool:
    """Nothing was ever recorded: serial 0 and no row but the header's."""
    return not _serial(tables) and not any(rows for t, rows in tables.items() if t != "meta")


def require_source(source: StateStore) -> None:
    if not source.exists:
        raise StateError(f"state {source.url} does not exist (no Callboard state there): "
                         "nothing to copy, nothing was changed. Check the path or URL.")


def keep_backup(target: StateStore, tables: Rows) -> str:
    """Copy ``tables`` (the target's) into the first free backup place beside it."""
    for n in count(1):
        url = target.backup_url(_serial(tables), n)
        probe = open_state(url, read_only=True)
        probe.close()
        if not probe.exists:
            break
    with closing(open_state(url)) as spare:
        spare.load_rows(tables)
        return spare.url


def copy_state(source: StateStore, target: StateStore, holder: str,
               force: bool = False) -> CopySummary:
    """Replace ``target``'s data with ``source``'s, both locked for the duration."""
    require_source(source)
    if source.url == target.url:
        raise StateError(f"cannot copy state {source.url} onto itself")
    with source.locked(holder, "state copy"), target.locked(holder, "state copy"):
        tables, replaced, backup = source.dump_rows(), target.dump_rows(), None
        if _is_empty(tables):
            raise StateError(f"state {source.url} is empty (nothing was ever recorded in it): "
                             "nothing to copy, nothing was changed. Check the path or URL.")
        if not _is_empty(replaced):
            old = target.header()
            if not force:
                raise StateError(f"state {target.url} is not empty (lineage {old.lineage}, "
                                 f"serial {old.serial}, {len(replaced['resources'])} "
                                 "resources); pass --force to replace it (a backup is kept)")
            backup = keep_backup(target, replaced)
            tables["meta"] = [r for r in tables["meta"] if r["key"] not in (
                "serial", "last_change")] + [
                {"key": "serial", "value": str(max(_serial(tables), old.serial) + 1)},
                {"key": "last_change", "value": f"state copy from {source.url} (replaced "
                                                f"serial {old.serial} of lineage {old.lineage})"}]
        try:
            target.load_rows(tables)
        except Exception as exc:
            raise StateError(f"copying into state {target.url} failed, nothing was changed: "
                             f"{exc}") from None
        header = target.header()
    return CopySummary(rows={t: len(r) for t, r in tables.items()}, lineage=header.lineage,
                       serial=header.serial, backup=backup)
