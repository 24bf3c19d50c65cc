"""A Data Sync with ``notify`` where no SMTP server is configured (spec §2, issue 9 item 9): the
plan warns, and each run says "summary not sent: CALLBOARD_SMTP_URL is not set" in its output
and in ``sync log``, instead of sending nothing and saying nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.cli.conftest import Sandbox
from tests.served_process import CALLBOARD

SYNC = """\
tags:
  board: {name: Board - Synced}
data_syncs:
  board:
    list: Lapsed Donors
    tag: board
    schedule: {daily: "02:00"}
    notify: [ops@example.org, boxoffice@example.org]
"""
WARNING = ("Warning: data_syncs.board: notify lists 2 addresses but CALLBOARD_SMTP_URL is not "
           "set, so no run summary will be sent: set it where 'callboard sync run' runs "
           "[manifests/syncs.yaml:8]")
NOT_SENT = "  summary not sent: CALLBOARD_SMTP_URL is not set"


@pytest.fixture
def board(sandbox: Sandbox) -> Sandbox:
    shutil.rmtree(sandbox.manifests)
    sandbox.manifests.mkdir()
    (sandbox.manifests / "syncs.yaml").write_text(SYNC)
    return sandbox


def test_notify_without_smtp_warns_at_plan_and_says_so_at_each_run(board: Sandbox) -> None:
    plan = board.run("plan")
    assert plan.code == 0 and WARNING in plan.out
    warnings = json.loads(board.run("plan", "--format", "json").out)["warnings"]
    assert [w["origin"] for w in warnings] == ["manifests/syncs.yaml:8"]
    assert board.run("apply", "--auto-approve").code == 0

    ran = board.run("sync", "run", "board")
    assert ran.code == 0 and "data_syncs.board: succeeded:" in ran.out
    assert NOT_SENT in ran.out.splitlines()
    verbose = subprocess.run([*CALLBOARD, "--sandbox", "-v", "sync", "run", "board"],
                             cwd=board.root, capture_output=True, text=True, timeout=60,
                             env={k: v for k, v in os.environ.items()
                                  if k not in ("CALLBOARD_STATE", "CALLBOARD_SMTP_URL")})
    assert verbose.returncode == 0 and NOT_SENT in verbose.stdout.splitlines()
    assert ("INFO engine.cli.sync_cmds: sync: data_syncs.board: summary not sent: "
            "CALLBOARD_SMTP_URL is not set") in verbose.stderr  # and logged, at -v

    log = board.run("sync", "log", "board")
    assert NOT_SENT in log.out.splitlines()
    runs = json.loads(board.run("sync", "log", "board", "--format", "json").out)["runs"]
    assert [r["notify_error"] for r in runs] == ["CALLBOARD_SMTP_URL is not set"] * 2

