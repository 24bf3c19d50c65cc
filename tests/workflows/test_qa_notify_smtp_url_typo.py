"""A Data Sync with ``notify`` and a ``CALLBOARD_SMTP_URL`` no run could send through (an
unknown option, a bad port): the plan warns, naming what is wrong (never the password), as it
warns where the variable is not set. It once said nothing, and every run then logged "summary
not sent: ... has unknown option(s) tls"."""

from __future__ import annotations

import shutil

import pytest

from tests.cli.conftest import Sandbox

SYNC = """\
tags:
  board: {name: Board - Synced}
data_syncs:
  board:
    list: Lapsed Donors
    tag: board
    schedule: {daily: "02:00"}
    notify: [ops@example.org]
"""


@pytest.fixture
def board(sandbox: Sandbox) -> Sandbox:
    shutil.rmtree(sandbox.manifests)
    sandbox.manifests.mkdir()
    (sandbox.manifests / "syncs.yaml").write_text(SYNC)
    return sandbox


@pytest.mark.parametrize(("url", "why"), [
    ("smtp://mailer:s3cret-pw@127.0.0.1:2525?tls=1",
     "CALLBOARD_SMTP_URL 'smtp://mailer:***@127.0.0.1:2525?tls=1' has unknown option(s) tls; "
     "known: starttls, timeout, from"),
    ("smtp://127.0.0.1:99999", "CALLBOARD_SMTP_URL 'smtp://127.0.0.1:99999' has a port that "
                               "is not a number from 1 to 65535"),
])
def test_plan_warns_when_no_run_could_send_through_the_smtp_url(
        board: Sandbox, monkeypatch: pytest.MonkeyPatch, url: str, why: str) -> None:
    monkeypatch.setenv("CALLBOARD_SMTP_URL", url)
    plan = board.run("plan")
    assert plan.code == 0, plan.err
    assert (f"Warning: data_syncs.board: notify lists 1 address but no run summary can be "
            f"sent: {why} [manifests/syncs.yaml:8]") in plan.out
    assert "s3cret" not in plan.out + plan.err
    assert board.run("apply", "--auto-approve").code == 0
    ran = board.run("sync", "run", "board")
    assert ran.code == 0
    assert f"  summary not sent: {why}" in ran.out.splitlines()  # what the warning foretold


def test_a_usable_smtp_url_gets_no_warning(board: Sandbox,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLBOARD_SMTP_URL", "smtp://mailer:pw@127.0.0.1:2525?starttls=1")
    plan = board.run("plan")
    assert plan.code == 0 and "Warning" not in plan.out, plan.out
