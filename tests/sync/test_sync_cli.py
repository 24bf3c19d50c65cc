"""``callboard sync`` in the sandbox: --due, disabled syncs, notify, preview and log output."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from engine import clock
from engine.cli.main import main
from tests.sync_edges.smtp_server import smtp_server

MANIFESTS = """\
tags:
  board: {name: Board - Synced}
  donors: {name: Donor - Synced}
data_syncs:
  board:
    list: Lapsed Donors
    tag: board
    mode: add_and_remove
    schedule: {every: {minutes: 15, from: "00:00"}}
    notify: [ops@example.org]
  donors-off:
    list: Lapsed Donors
    tag: donors
    schedule: {daily: "02:00"}
    enabled: false
"""


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "syncs.yaml").write_text(MANIFESTS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CALLBOARD_STATE", raising=False)
    monkeypatch.delenv("CALLBOARD_SMTP_URL", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["--sandbox", "apply", "--auto-approve"]) == 0
    return tmp_path


def _callboard(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--sandbox", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_due_disabled_notify_preview_and_log(sandbox: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    capsys.readouterr()
    code, out, _ = _callboard(capsys, "sync", "run", "--due")
    assert code == 0 and "No Data Sync was due." in out  # just created: waits for its time
    later = clock.now() + timedelta(minutes=16)  # a quarter-hour came round
    monkeypatch.setattr(clock, "now", lambda: later)
    with smtp_server() as mailbox:
        monkeypatch.setenv("CALLBOARD_SMTP_URL", f"smtp://127.0.0.1:{mailbox.port}")
        code, out, _ = _callboard(capsys, "sync", "run", "--due")
    assert code == 0, out
    assert "data_syncs.board: succeeded:" in out and "donors-off" not in out
    [mail] = mailbox.mails
    assert mail.recipients == ["ops@example.org"] and "succeeded" in mail.message["Subject"]

    code, out, _ = _callboard(capsys, "sync", "run", "--due")
    assert code == 0 and "No Data Sync was due." in out  # it just ran

    code, out, _ = _callboard(capsys, "sync", "run", "donors-off")
    assert code == 0 and "disabled; skipped" in out and "--force" in out
    code, out, _ = _callboard(capsys, "sync", "run", "data_syncs.donors-off", "--force")
    assert code == 0 and "data_syncs.donors-off: succeeded:" in out

    monkeypatch.setenv("CALLBOARD_SMTP_URL", "smtp://127.0.0.1:9")  # nobody listens
    code, out, _ = _callboard(capsys, "sync", "run", "board")
    assert code == 0 and "summary not sent" in out  # a notify failure fails no sync

    code, out, _ = _callboard(capsys, "sync", "preview", "board")
    assert code == 0
    assert out.splitlines()[1].strip().startswith("list:")  # counts first
    code, out, _ = _callboard(capsys, "sync", "preview", "board", "--format", "json")
    preview = json.loads(out)
    assert preview["format_version"] == 1 and preview["regenerated"] is True
    assert preview["counts"]["add"] == len(preview["add"]) == 0

    code, out, _ = _callboard(capsys, "sync", "preview", "board", "--no-regenerate")
    assert code == 0 and "the list as last generated (--no-regenerate)" in out.splitlines()[0]
    code, out, _ = _callboard(capsys, "sync", "preview", "board", "--no-regenerate",
                              "--format", "json")
    assert json.loads(out)["regenerated"] is False

    code, out, _ = _callboard(capsys, "sync", "log", "--format", "json")
    runs = json.loads(out)["runs"]
    assert [r["address"] for r in runs] == ["data_syncs.board", "data_syncs.donors-off",
                                            "data_syncs.board"]
    assert runs[0]["added"] > 0 and runs[-1]["notify_error"]
    code, out, _ = _callboard(capsys, "sync", "log", "board", "--since", "1h")
    assert code == 0 and out.count("data_syncs.board: succeeded") == 2

    code, _, err = _callboard(capsys, "sync", "log", "--since", "yesterday")
    assert code == 1 and "30m, 12h, 7d or 2w" in err
    code, _, err = _callboard(capsys, "sync", "run", "nope")
    assert code == 1 and "data_syncs.nope is not in state" in err
