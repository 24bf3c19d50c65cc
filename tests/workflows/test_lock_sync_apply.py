"""A timed ``sync run`` and an ``apply`` never change the same Data Sync at once, on SQLite and
PostgreSQL, whichever comes first (issue 13: ``sync run`` never took the state lock). The other
side is a real second process holding its lock."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Sandbox
from tests.workflows.state_support import holding
from tests.workflows.state_support import team_url as _url

SYNC = "data_syncs.members"


def _runs(sandbox: Sandbox, team: tuple[str, ...]) -> list[str]:
    log = json.loads(sandbox.run(*team, "sync", "log", "--format", "json").out)
    return [run["address"] for run in log["runs"]]


def test_a_sync_run_waits_for_an_apply_or_is_skipped(
        sandbox: Sandbox, team: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    with holding(_url(team), "state", "apply") as applying:
        monkeypatch.setenv("CALLBOARD_LOCK_WAIT", "0.5")
        skipped = sandbox.run(*team, "sync", "run", "members")
        assert skipped.code == 1
        assert f"{SYNC}: waiting up to 0.5s: apply holds the state (held by " in skipped.out
        assert f"{SYNC}: skipped: apply still holds the state after 0.5s" in skipped.out
        assert "did not succeed: data_syncs.members" in skipped.err

        # cron: a sync whose time has come is skipped quietly; the next tick runs it
        monkeypatch.setattr("engine.cli.sync_cmds.due_now", lambda *args: True)
        due = sandbox.run(*team, "sync", "run", "--due")
        assert due.code == 0 and f"{SYNC}: skipped: apply still holds the state" in due.out
        assert _runs(sandbox, team) == []  # nothing ran beside the apply

        monkeypatch.setenv("CALLBOARD_LOCK_WAIT", "60")
        applying.release_once_waited_for(monkeypatch)
        ran = sandbox.run(*team, "sync", "run", "members")
    assert ran.code == 0, ran.out + ran.err
    assert f"{SYNC}: waiting up to 60s: apply holds the state" in ran.out
    assert f"{SYNC}: succeeded" in ran.out and _runs(sandbox, team) == [SYNC]


def _description(sandbox: Sandbox, team: tuple[str, ...]) -> tuple[str, str]:
    shown = json.loads(sandbox.run(*team, "state", "show", SYNC).out)
    live = sandbox.api("GET", f"/api/3/tessitura/dataSyncs/{shown['remote_id']}").json()
    return shown["fields"]["description"], live["dataSync"]["description"]


def test_an_apply_waits_for_a_running_sync_or_changes_nothing(
        sandbox: Sandbox, team: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    old = "Members get the tag; lapsed members lose it"
    syncs = sandbox.manifests / "data_syncs.yaml"
    syncs.write_text(syncs.read_text().replace(old, "Members, tagged nightly"))
    with holding(_url(team), SYNC) as running:
        monkeypatch.setenv("CALLBOARD_LOCK_WAIT", "0.5")
        refused = sandbox.run(*team, "apply", "--auto-approve")
        assert refused.code == 1
        assert f"Waiting up to 0.5s for the sync run of {SYNC} to finish" in refused.out
        assert f"{SYNC} is still running a sync after 0.5s" in refused.err
        assert "nothing was applied" in refused.err
        assert _description(sandbox, team) == (old, old)  # neither live nor state changed

        monkeypatch.setenv("CALLBOARD_LOCK_WAIT", "60")
        running.release_once_waited_for(monkeypatch)
        applied = sandbox.run(*team, "apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert f"Waiting up to 60s for the sync run of {SYNC} to finish" in applied.out
    assert _description(sandbox, team) == ("Members, tagged nightly", "Members, tagged nightly")
