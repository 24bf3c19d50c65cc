"""One broken Data Sync among several (QA pass): its tag, or the sync itself, deleted in
Prospect2 by hand. ``sync run --due`` (cron) and ``--all`` once refused before any write, so
one broken sync silently stopped every other scheduled sync until someone looked.

Now, as in a reverse-ETL tool, each sync of ``--due``/``--all`` stands alone: the broken one is
reported failed with the refusal's words (in the output, ``sync log`` and its notify email),
the others run and tag as usual, and the command exits 1. ``sync run NAME NAME2`` keeps its
all-or-nothing refusal: the user named them. Time moves on Callboard's own clock, as a cron
every few minutes would see it."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from engine import clock
from engine.state import open_state
from engine.state.base import sync_lock
from tests.cli.conftest import Sandbox
from tests.sync_edges.smtp_server import smtp_server

SYNCS = """\
tags:
  lapsed: {name: Lapsed - Synced}
  members: {name: Members - Synced}
data_syncs:
  lapsed:
    list: Lapsed Donors
    tag: lapsed
    schedule: {daily: "02:00"}
    notify: [ops@example.org]
  members:
    list: Members - Current
    tag: members
    schedule: {daily: "02:00"}
"""
TAG_GONE = ("its tag 'Lapsed - Synced' no longer exists in Prospect2 (deleted out of band?), "
            "so its members no longer carry it and the run stops before any write: run "
            "'callboard plan' and 'callboard apply' to create the tag again; the next run then "
            "tags every member again")
ONE_FAILED = "Error: 1 of 2 sync runs did not succeed: data_syncs.lapsed"


@pytest.fixture
def at(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Set Callboard's clock to a UTC instant (the organization's time zone is UTC here), with
    the two syncs applied at 00:41 on 5 January 2031."""
    def move(moment: str) -> None:
        instant = datetime.fromisoformat(moment).replace(tzinfo=UTC)
        monkeypatch.setattr(clock, "now", lambda: instant)

    shutil.rmtree(sandbox.manifests)
    sandbox.manifests.mkdir()
    (sandbox.manifests / "syncs.yaml").write_text(SYNCS)
    move("2031-01-05T00:41")
    applied = sandbox.run("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    return move


def _tagged(sandbox: Sandbox, tag: str) -> int:
    answer = sandbox.api("GET", f"/api/3/contacts?tagid={sandbox.tag_id(tag)}&limit=1").json()
    return int(answer["meta"]["total"])


def _errors(err: str) -> list[str]:
    """stderr without the progress lines of the runs."""
    return [line for line in err.splitlines() if "(API calls):" not in line]


def _runs(sandbox: Sandbox) -> list[str]:
    log = sandbox.run("sync", "log", "--since", "7d")
    assert log.code == 0, log.err
    return [line for line in log.out.splitlines() if "data_syncs." in line]


def test_due_with_a_deleted_tag_runs_the_others_and_reports_it_failed_once_a_schedule(
        sandbox: Sandbox, at: Callable[[str], None],
        monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.api("DELETE", f"/api/3/tags/{sandbox.tag_id('Lapsed - Synced')}")
    at("2031-01-05T01:55")
    quiet = sandbox.run("sync", "run", "--due")  # not due: nothing said of the broken one
    assert (quiet.code, quiet.out.strip(), quiet.err) == (0, "No Data Sync was due.", "")

    at("2031-01-05T02:00")
    with smtp_server() as mailbox:
        monkeypatch.setenv("CALLBOARD_SMTP_URL", f"smtp://127.0.0.1:{mailbox.port}")
        due = sandbox.run("sync", "run", "--due")

    assert due.code == 1, due.out
    assert _errors(due.err) == [ONE_FAILED]
    assert f"data_syncs.lapsed: failed: {TAG_GONE}\n" in due.out
    assert "data_syncs.members: succeeded:" in due.out
    assert _tagged(sandbox, "Members - Synced") > 0  # the healthy sync did its work
    [mail] = mailbox.mails
    assert mail.recipients == ["ops@example.org"]
    assert mail.message["Subject"] == "Callboard Data Sync lapsed: failed"
    body = mail.message.get_payload(decode=True).decode().replace("\r\n", "\n")
    assert body.startswith(f"data_syncs.lapsed: failed: {TAG_GONE}\n")
    runs = _runs(sandbox)
    assert f"data_syncs.lapsed: failed: {TAG_GONE}" in "\n".join(runs)
    assert len(runs) == 2

    # cron's next tick: reported once per scheduled time, not per tick, even with a run of it
    # left unfinished (one that would otherwise be finished at once)
    state = open_state(str(sandbox.root / ".callboard" / "sandbox" / "state.db"))
    lapsed = state.get("data_syncs.lapsed")
    assert lapsed is not None
    state.freeze_sync_plan(lapsed.remote_id, "interrupted-run", b"frozen before the delete")
    state.close()
    at("2031-01-05T02:05")
    again = sandbox.run("sync", "run", "--due")
    assert (again.code, again.out.strip()) == (0, "No Data Sync was due."), again.err
    assert len(_runs(sandbox)) == 2


def test_naming_the_syncs_keeps_the_refusal_before_any_write(
        sandbox: Sandbox, at: Callable[[str], None]) -> None:
    sandbox.api("DELETE", f"/api/3/tags/{sandbox.tag_id('Lapsed - Synced')}")
    at("2031-01-05T02:00")

    named = sandbox.run("sync", "run", "members", "lapsed")

    assert named.code == 1
    assert named.err.strip() == f"Error: data_syncs.lapsed: {TAG_GONE}"
    assert named.out == ""
    assert _tagged(sandbox, "Members - Synced") == 0 and _runs(sandbox) == []


def test_all_with_a_deleted_data_sync_runs_the_others(sandbox: Sandbox,
                                                      at: Callable[[str], None]) -> None:
    syncs = sandbox.api("GET", "/api/3/tessitura/dataSyncs").json()["dataSyncs"]
    gone = next(s["id"] for s in syncs if s["name"] == "lapsed")
    assert sandbox.api("DELETE", f"/api/3/tessitura/dataSyncs/{gone}").status_code == 200
    at("2031-01-05T01:00")  # --all runs whatever the time

    every = sandbox.run("sync", "run", "--all")

    assert every.code == 1
    assert _errors(every.err) == [ONE_FAILED]
    assert (f"data_syncs.lapsed: failed: Data Sync {gone} no longer exists in Prospect2 (run "
            "'callboard plan' to see the drift)\n") in every.out
    assert "data_syncs.members: succeeded:" in every.out
    assert "summary not sent: CALLBOARD_SMTP_URL is not set" in every.out  # lapsed's notify
    assert _tagged(sandbox, "Members - Synced") > 0
    assert len(_runs(sandbox)) == 2


def test_all_skips_a_broken_sync_that_is_switched_off_as_it_skips_any(
        sandbox: Sandbox, at: Callable[[str], None]) -> None:
    (sandbox.manifests / "syncs.yaml").write_text(
        SYNCS.replace("notify: [ops@example.org]", "enabled: false"))
    assert sandbox.run("apply", "--auto-approve").code == 0
    sandbox.api("DELETE", f"/api/3/tags/{sandbox.tag_id('Lapsed - Synced')}")

    every = sandbox.run("sync", "run", "--all")

    assert every.code == 0, every.err
    assert every.out.startswith("data_syncs.lapsed: disabled; skipped\n")
    assert "data_syncs.members: succeeded:" in every.out


def test_a_sync_still_running_from_the_last_tick_does_not_hold_the_others_back(
        sandbox: Sandbox, at: Callable[[str], None]) -> None:
    """A long run (a first sync of a big list) outlasts the cron interval: the next ``--due``
    once stopped at it ("is already running") and ran none of the syncs after it."""
    at("2031-01-05T02:00")
    other = f"{getpass.getuser()}@{socket.gethostname()} pid {os.getppid()}"  # alive, here
    state = open_state(str(sandbox.root / ".callboard" / "sandbox" / "state.db"))
    state.acquire_lock(other, "sync run", sync_lock("data_syncs.lapsed"))
    try:
        due = sandbox.run("sync", "run", "--due")
        every = sandbox.run("sync", "run", "--all")
        named = sandbox.run("sync", "run", "lapsed")
    finally:
        state.release_lock(other, sync_lock("data_syncs.lapsed"))
        state.close()

    skipped = f"data_syncs.lapsed: skipped: it is already running (lock held by {other}"
    assert due.code == 0, due.err  # that run is syncing it: cron's next tick is not alarmed
    assert due.out.startswith(skipped)
    assert "data_syncs.members: succeeded:" in due.out
    assert _tagged(sandbox, "Members - Synced") > 0
    assert every.code == 1 and every.out.startswith(skipped)
    assert _errors(every.err) == ["Error: 1 of 2 sync runs did not succeed: data_syncs.lapsed"]
    assert named.code == 1  # by name: the clear error it always was
    assert _errors(named.err) == [
        f"Error: data_syncs.lapsed is already running: lock held by {other} (command: sync "
        f"run) since {every.out.split(' since ')[1].split(')')[0]}"]
