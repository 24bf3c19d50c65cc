"""Several runners opening a brand-new SQLite state at once migrate it exactly once."""

from __future__ import annotations

import threading
from pathlib import Path

from engine.state.schema import MIGRATIONS
from engine.state.sqlite import SqliteState


def test_concurrent_first_opens_migrate_once(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    start = threading.Barrier(6)
    lineages: list[str] = []
    errors: list[BaseException] = []

    def open_it() -> None:
        start.wait()
        try:
            store = SqliteState(path)
            lineages.append(store.header().lineage)
            store.close()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(lineages)) == 1 and len(lineages) == 6
    store = SqliteState(path)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    store.close()
