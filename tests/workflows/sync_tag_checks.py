"""What the sync-tag workflow tests read back after a run: members tagged in Prospect2, the
baselines in state, the writes the emulator saw and the count a run reported."""

from __future__ import annotations

import re
import sqlite3

from tests.e2e.conftest import Workspace


def tagged(workspace: Workspace, tag_id: str) -> int:
    answer = workspace.served.prospect2("GET", "/contacts",
                                        params={"tagid": tag_id, "limit": 1}).json()
    return int(answer["meta"]["total"])


def baselines(workspace: Workspace) -> list[tuple[bytes, str | None, str | None]]:
    with sqlite3.connect(workspace.root / ".callboard" / "state.db") as db:
        return db.execute("SELECT members, audit_until, tag_id FROM sync_baseline "
                          "ORDER BY sync_id").fetchall()


def writes(workspace: Workspace) -> dict[str, int]:
    requests = workspace.served.control("stats")["requests"]
    return {k: v for k, v in requests.items() if not k.startswith("GET ")}


def added(out: str) -> int:
    found = re.search(r"data_syncs\.members: succeeded: (\d+) added", out)
    assert found is not None, out
    return int(found.group(1))
