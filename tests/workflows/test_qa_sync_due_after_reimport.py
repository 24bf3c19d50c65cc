"""``sync run --due`` after ``state rm`` and ``import`` of ANOTHER Data Sync under the same
NAME (the old one deleted and made again in Prospect2): the run log keeps the old sync's runs
under the address, and ``--due`` once counted the new sync's schedule from them, so the new
sync ran at once at the next cron tick, the way a newly applied one once did. It is a sync of
its own (another id, an empty baseline): it waits for its first scheduled time after the
import, while a sync renamed with ``moved:`` (the same id) keeps its place in the schedule
(test_sync_schedule_due.py)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.cli.conftest import Sandbox

SYNC = """\
tags:
  lapsed: {name: Lapsed - Synced}
data_syncs:
  lapsed:
    list: Lapsed Donors
    tag: lapsed
    schedule: {daily: "02:00"}
"""
NOT_DUE = "No Data Sync was due."
RAN = "data_syncs.lapsed: succeeded:"
SYNCS = "/api/3/tessitura/dataSyncs"



def _due(sandbox: Sandbox) -> str:
    result = sandbox.run("sync", "run", "--due")
    assert result.code == 0, result.err
    return result.out


def _runs(sandbox: Sandbox) -> list[tuple[str, str]]:
    logged = sandbox.run("sync", "log", "lapsed", "--since", "7d", "--format", "json")
    assert logged.code == 0, logged.err
    return [(r["sync_id"], r["started_at"]) for r in json.loads(logged.out)["runs"]]


def _state_id(sandbox: Sandbox) -> str:
    listed = dict(line.split("\t") for line in sandbox.run("state", "list").out.splitlines())
    return listed["data_syncs.lapsed"]


def _made_again(sandbox: Sandbox, old_id: str) -> str:
    """The sync deleted in Prospect2 and made again there as it was: its new id."""
    wire = sandbox.api("GET", f"{SYNCS}/{old_id}").json()["dataSync"]
    assert sandbox.api("DELETE", f"{SYNCS}/{old_id}").status_code in (200, 204)
    body = {k: v for k, v in wire.items() if k not in ("id", "links", "cdate", "udate")}
    made = sandbox.api("POST", SYNCS, {"dataSync": body})
    assert made.status_code in (200, 201), made.text
    return str(made.json()["dataSync"]["id"])


def _reimport(sandbox: Sandbox, remote_id: str) -> None:
    assert sandbox.run("state", "rm", "data_syncs.lapsed").code == 0
    imported = sandbox.run("import", "data_syncs.lapsed", remote_id)
    assert imported.code == 0, imported.err
    assert _state_id(sandbox) == remote_id


@pytest.fixture
def ran_once(sandbox: Sandbox, at: Callable[[str], None]) -> str:
    """The sync applied, run at its time, then the runner down at the next (the id)."""
    at("2031-01-05T00:41")
    (sandbox.manifests / "syncs.yaml").write_text(SYNC)
    assert sandbox.run("apply", "--auto-approve").code == 0
    at("2031-01-05T02:00")
    assert RAN in _due(sandbox)
    at("2031-01-06T10:00")  # nothing ran at 02:00
    return _state_id(sandbox)


def test_a_sync_imported_under_an_old_name_waits_for_its_own_first_time(
        sandbox: Sandbox, at: Callable[[str], None], ran_once: str) -> None:
    old_id = ran_once
    new_id = _made_again(sandbox, old_id)
    _reimport(sandbox, new_id)

    at("2031-01-06T10:05")
    assert NOT_DUE in _due(sandbox)  # its own first time is 02:00 tomorrow; nothing ran
    assert _runs(sandbox) == [(old_id, "2031-01-05T02:00:00+00:00")]
    at("2031-01-07T02:00")
    assert RAN in _due(sandbox)
    assert _runs(sandbox) == [(old_id, "2031-01-05T02:00:00+00:00"),
                              (new_id, "2031-01-07T02:00:00+00:00")]
    at("2031-01-07T02:05")
    assert NOT_DUE in _due(sandbox)


def test_the_same_sync_imported_back_keeps_its_place_in_the_schedule(
        sandbox: Sandbox, at: Callable[[str], None], ran_once: str) -> None:
    """``state rm`` then ``import`` of the very same Data Sync: its runs are its own, so the
    02:00 run it missed is due at the next tick."""
    _reimport(sandbox, ran_once)
    at("2031-01-06T10:05")
    assert RAN in _due(sandbox)
    assert _runs(sandbox) == [(ran_once, "2031-01-05T02:00:00+00:00"),
                              (ran_once, "2031-01-06T10:05:00+00:00")]
    at("2031-01-06T10:10")
    assert NOT_DUE in _due(sandbox)
