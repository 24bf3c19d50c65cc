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
                           rejected={"bad@x": "not a valid email address",
                                     "gone@x.org": "contact is unsubscribed"})
    body = report.summary_text()
    assert body.startswith("data_syncs.members: succeeded: 12 added, 0 re-synced, 0 retried, "
                           "3 removed, 2 rejected\n")
    assert "  rejected 1: not a valid email address\n" in body
    assert "  bad@x: not a valid email address\n" in body
    assert "  gone@x.org: contact is unsubscribed\n" in body
