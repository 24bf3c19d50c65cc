"""A ``callboard writeback run`` process killed mid-run, against ``callboard emulator serve``:
the next run takes over the dead run's lock and finishes the campaign with every promotion
exactly once."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.served_process import CALLBOARD, emulator_process

TESSITURA_AUTH = ("callboard:admin:emulator", "emulator")


@pytest.fixture
def served() -> Iterator[str]:
    with emulator_process(seed="small") as (base, _):
        yield base


def callboard_env(base: str, state: Path) -> dict[str, str]:
    return {**os.environ, "NO_COLOR": "1", "CALLBOARD_STATE": str(state),
            "PROSPECT2_URL": f"{base}/api/3", "PROSPECT2_API_TOKEN": "emulator-token",
            "TESSITURA_URL": f"{base}/TessituraService", "TESSITURA_USER": "callboard",
            "TESSITURA_USERGROUP": "admin", "TESSITURA_LOCATION": "emulator",
            "TESSITURA_PASSWORD": "emulator"}


def ledger_progress(state: Path) -> tuple[int, str] | None:
    """What the ledger says, read the way an operator would (sqlite3 on the state file)."""
    try:
        with sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=1) as db:
            row = db.execute("SELECT batches_confirmed, status FROM writeback_ledger").fetchone()
    except sqlite3.Error:
        return None
    return (int(row[0]), str(row[1])) if row else None


def test_a_killed_run_is_finished_by_the_next_with_each_promotion_once(
        served: str, tmp_path: Path) -> None:
    headers = {"Api-Token": "emulator-token"}
    httpx.post(f"{served}/api/3/tessitura/writebackMappings", headers=headers, json={
        "writebackMapping": {"name": "winter", "match": {"campaignName": "Winter*"},
                             "appealId": 501, "sourceGroupId": 21}}).raise_for_status()
    campaign_id = httpx.post(f"{served}/_emulator/campaigns/send",
                             json={"name": "Winter Gala", "recipients": 100}).json()["campaignId"]
    httpx.post(f"{served}/_emulator/faults", json={"latency_ms": 25}).raise_for_status()
    state = tmp_path / "state.db"
    env = callboard_env(served, state)

    running = subprocess.Popen([*CALLBOARD, "writeback", "run", "--batch-size", "4"],
                               env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    progress = None
    while time.monotonic() < deadline and running.poll() is None:
        progress = ledger_progress(state)
        if progress is not None and progress[0] >= 2:
            break
        time.sleep(0.005)
    running.kill()
    running.wait(timeout=10)
    progress = ledger_progress(state)
    assert progress is not None and progress[1] == "started", progress

    httpx.post(f"{served}/_emulator/faults", json={"latency_ms": 0}).raise_for_status()
    # The killed run's lock is taken over, with a notice: its process is gone from this host.
    finished = subprocess.run([*CALLBOARD, "writeback", "run", "--batch-size", "4"], env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=60)

    assert finished.returncode == 0, finished.stderr
    assert "taking over the lock held by" in finished.stderr
    assert f"pid {running.pid} (command: writeback run)" in finished.stderr
    assert f"campaign {campaign_id} 'Winter Gala': resumed and written back" in finished.stdout
    assert ledger_progress(state) == (25, "complete")  # 100 distinct constituents, 4 a batch
    source_id = httpx.post(f"{served}/TessituraService/Custom/Execute", auth=TESSITURA_AUTH,
                           json={"ProcedureName": "LP_CALLBOARD_WRITEBACK_SOURCE",
                                 "ParameterValues": [
                                     {"Name": "@appeal_id", "Value": "501"},
                                     {"Name": "@source_group_id", "Value": "21"},
                                     {"Name": "@media_type_id", "Value": "7"},
                                     {"Name": "@campaign_ref",
                                      "Value": f"prospect2:campaign:{campaign_id}"}]},
                           ).json()[0]["SourceId"]
    source = httpx.get(f"{served}/TessituraService/Finance/Sources/{source_id}",
                       auth=TESSITURA_AUTH).json()
    assert source["NumContacts"] == 100
    with sqlite3.connect(state) as db:
        frozen = db.execute("SELECT constituent_ids FROM writeback_ledger").fetchone()[0]
    again = httpx.post(f"{served}/TessituraService/Custom/Execute", auth=TESSITURA_AUTH,
                       json={"ProcedureName": "LP_CALLBOARD_ADD_PROMOTIONS",
                             "ParameterValues": [
                                 {"Name": "@source_id", "Value": str(source_id)},
                                 {"Name": "@constituent_ids", "Value": frozen.strip("[]")}]},
                       ).json()[0]
    assert again == {"Inserted": 0, "Skipped": 100}
