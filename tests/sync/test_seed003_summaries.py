"""Seed 003's promises about what people see of a run, each checked where it is kept:

- Preview: "Contacts who qualify to be removed … will be highlighted in a red row."
- Notify: the email "includes the number of contacts that were calculated to be added and/or
  removed, total errors and error details, if any."
"""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console

from engine.cli.main import main
from engine.render.sync_preview import preview_text
from engine.sync.ports import SyncActivity
from engine.sync.run_report import SyncRunReport
from providers.emulator_host import build_emulator_app
from tests.sync_edges.smtp_server import smtp_server

from .emulated import MEMBERS_LIST, EmulatedSync

RED, GREEN = "\x1b[31m", "\x1b[32m"


def _ansi(text: Any) -> str:
    stream = io.StringIO()
    Console(file=stream, force_terminal=True, color_system="standard", width=200).print(
        text, end="")
    return stream.getvalue()


@pytest.mark.anyio
async def test_the_preview_highlights_removals_in_a_red_row(tmp_path: Path) -> None:
    org = EmulatedSync(tmp_path / "state.db")
    await org.start()
    try:
        assert org.runner is not None and org.definition is not None
        await org.runner.run(org.definition, force=True)
        await org.control("churn", {"list_id": MEMBERS_LIST, "add": 10, "remove": 20, "seed": 4})
        preview = await org.runner.preview(org.definition)
    finally:
        await org.close()
    removals = {r.address for r in preview.plan.removals()}
    additions = {i.address for i in preview.plan.imports("add")}
    assert removals and additions
    rows = _ansi(preview_text(preview)).splitlines()
    for address in removals:
        [row] = [r for r in rows if f"- {address}" in r]
        assert row.startswith(RED), row  # the whole row, from its first character
    for address in additions:
        [row] = [r for r in rows if f"+ {address}" in r]
        assert RED not in row and row.startswith(GREEN)
    assert sum(RED in row for row in rows) == len(removals)


MANIFESTS = """\
tags:
  members: {name: Member - Notified}
data_syncs:
  members:
    list: Members - Current
    tag: members
    mode: add_and_remove
    schedule: {daily: "02:00"}
    notify: [ops@example.org, box@example.org]
"""


def _control(root: Path, route: str, body: dict[str, Any]) -> Any:
    async def call() -> Any:
        app = build_emulator_app(seed="demo", data_dir=str(root / ".callboard/sandbox"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://sandbox") as client:
            answer = await client.post(f"/_emulator/{route}", json=body)
            answer.raise_for_status()
            return answer.json()
    return asyncio.run(call())


def test_the_notification_email_carries_the_runs_counts_and_errors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "syncs.yaml").write_text(MANIFESTS)
    monkeypatch.chdir(tmp_path)
    for name in ("CALLBOARD_STATE", "CALLBOARD_MANIFESTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["--sandbox", "apply", "--auto-approve"]) == 0
    assert main(["--sandbox", "sync", "run", "members"]) == 0
    _control(tmp_path, "churn", {"list_id": MEMBERS_LIST, "add": 10, "remove": 20, "seed": 8})
    with smtp_server() as mailbox:
        monkeypatch.setenv("CALLBOARD_SMTP_URL", f"smtp://127.0.0.1:{mailbox.port}")
        assert main(["--sandbox", "sync", "run", "members", "--force"]) == 0
    capsys.readouterr()
    assert main(["--sandbox", "sync", "log", "--format", "json"]) == 0
    run = json.loads(capsys.readouterr().out)["runs"][-1]
    [mail] = mailbox.mails
    body = mail.message.get_payload(decode=True).decode().replace("\r\n", "\n")
    assert run["added"] > 0 and run["removed"] > 0
    assert body.splitlines()[0] == (
        f"data_syncs.members: succeeded: {run['added']} added, {run['resynced']} re-synced, "
        f"{run['retried']} retried, {run['removed']} removed, {len(run['rejected'])} rejected")
    assert (f"constituents: {run['constituents_added']} joined, "
            f"{run['constituents_removed']} left, {run['list_size']} in the list") in body
    assert mail.recipients == ["ops@example.org", "box@example.org"]


def test_the_email_body_lists_every_error_with_its_reason() -> None:
    report = SyncRunReport("data_syncs.members", "7", "r1", "2026-09-01T02:00:00+00:00",
                           status="succeeded", finished_at="2026-09-01T02:01:00+00:00",
                           added=12, removed=3,
                           rejected={"gone@x.org": "contact is unsubscribed",
                                     "bad@x": "not a valid email address"})
    assert report.summary_text() == """\
data_syncs.members: succeeded: 12 added, 0 re-synced, 0 retried, 3 removed, 2 rejected

  constituents: 0 joined, 0 left, 0 in the list
  API calls: Tessitura 0, Prospect2 0 (0 answered 429)
  rejected 1: contact is unsubscribed
  rejected 1: not a valid email address

Started 2026-09-01T02:00:00+00:00, finished 2026-09-01T02:01:00+00:00.
Run r1.

Rejected contacts (retried by the next run):
  bad@x: not a valid email address
  gone@x.org: contact is unsubscribed
"""


def test_a_run_that_did_not_finish_says_so_in_its_body() -> None:
    report = SyncRunReport("data_syncs.members", "7", "r2", "2026-09-01T02:00:00+00:00",
                           status="failed", message="Tessitura answered 503")
    assert report.summary_text() == """\
data_syncs.members: failed: Tessitura answered 503

  API calls: Tessitura 0, Prospect2 0 (0 answered 429)

Started 2026-09-01T02:00:00+00:00, finished -.
Run r2.
"""


def _rejected_lines(count: int) -> list[str]:
    report = SyncRunReport("data_syncs.members", "7", "r3", "2026-09-01T02:00:00+00:00",
                           rejected={f"c{n:03d}@x.org": "bounced" for n in range(count)})
    body = report.summary_text().splitlines()
    return body[body.index("Rejected contacts (retried by the next run):") + 1:]


def test_the_email_lists_the_first_200_rejected_contacts_and_counts_the_rest() -> None:
    assert _rejected_lines(200) == [f"  c{n:03d}@x.org: bounced" for n in range(200)]
    assert _rejected_lines(201) == [*(f"  c{n:03d}@x.org: bounced" for n in range(200)),
                                    "  … and 1 more"]


def test_a_run_prospect2_made_reads_back_from_its_activity_log() -> None:
    activity = SyncActivity("88", "2026-09-01T02:00:05+00:00", added=4, removed=2, resynced=1,
                            errors=(("a@x.org", "bounced"), (None, "list 9 not found"),
                                    (None, "account not connected")))
    report = SyncRunReport.from_activity("data_syncs.members", "7", activity)
    assert report.as_json() == {
        **SyncRunReport("", "", "", "").as_json(),  # every count not named here stays 0
        "address": "data_syncs.members", "sync_id": "7", "run_id": "prospect2-88",
        "started_at": "2026-09-01T02:00:05+00:00", "finished_at": "2026-09-01T02:00:05+00:00",
        "status": "failed", "added": 4, "removed": 2, "resynced": 1,
        "rejected": {"a@x.org": "bounced"}, "rejection_reasons": {"bounced": 1},
        "message": "list 9 not found; account not connected", "run_by": "prospect2"}
    assert report.headline() == ("data_syncs.members: failed (run by Prospect2): list 9 not "
                                 "found; account not connected")
    quiet = SyncRunReport.from_activity("data_syncs.members", "7",
                                        SyncActivity("89", "2026-09-02T02:00:00+00:00", added=1))
    assert quiet.headline() == ("data_syncs.members: succeeded (run by Prospect2): 1 added, "
                                "0 re-synced, 0 retried, 0 removed, 0 rejected")


#: One run with one of everything a summary can mention, one with more than one, and runs
#: that did not finish, as ``sync run``, ``sync log`` and the notification email show them.
SUMMARIES = {
    "one of each": SyncRunReport(
        "data_syncs.members", "7", "r4", "2026-09-01T02:00:00+00:00", status="succeeded",
        finished_at="2026-09-01T02:09:00+00:00", resumed=True, added=1, removed=1,
        list_size=40, constituents_added=1, constituents_removed=1, tessitura_calls=6,
        prospect2_calls=9, rate_limited=1, purposes_added=1, purposes_not_found=1,
        waiting=1, kept_shared=1,
        values_left_out={"LAST_ATTENDED: not a date (YYYY-MM-DD), as a date field needs": 1},
        notify_error="CALLBOARD_SMTP_URL is not set"),
    "several of each": SyncRunReport(
        "data_syncs.members", "7", "r5", "2026-09-01T02:00:00+00:00", status="succeeded",
        finished_at="2026-09-01T02:09:00+00:00", purposes_removed=2, purposes_not_found=2,
        waiting=2, kept_shared=2,
        values_left_out={"MEMBERSHIP_LEVEL: not one of the dropdown field's options": 2,
                         "LAST_ATTENDED: not a date (YYYY-MM-DD), as a date field needs": 3}),
    "interrupted": SyncRunReport("data_syncs.members", "7", "r6", "2026-09-01T02:00:00+00:00",
                                 status="interrupted"),
    "interrupted, saying where": SyncRunReport(
        "data_syncs.members", "7", "r7", "2026-09-01T02:00:00+00:00", status="interrupted",
        message="2 of 5 batches sent", finished_at="2026-09-01T02:03:00+00:00"),
    "run by Prospect2": SyncRunReport.from_activity(
        "data_syncs.members", "7", SyncActivity(
            "88", "2026-09-01T02:00:05+00:00", added=4,
            errors=(("a@x.org", "bounced"), ("b@x.org", "bounced")))),
}


def test_every_line_a_run_can_add_to_its_summary(snapshot: Any) -> None:
    assert {name: report.summary_text() for name, report in SUMMARIES.items()} == snapshot
