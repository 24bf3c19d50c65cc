"""With ``CALLBOARD_SMTP_URL`` set, a Data Sync's ``notify`` draws no warning at plan: the
rule reads the settings Callboard runs with. (In-process, apart from
``test_notify_without_smtp.py``, whose subprocess keeps it out of mutation runs.)"""

from __future__ import annotations

import pytest

from tests.cli.conftest import Sandbox
from tests.workflows.test_notify_without_smtp import WARNING, board  # noqa: F401


def test_without_smtp_the_plan_warns(board: Sandbox) -> None:  # noqa: F811
    plan = board.run("plan")
    assert plan.code == 0 and WARNING in plan.out


def test_with_smtp_configured_the_plan_does_not_warn(board: Sandbox,  # noqa: F811
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLBOARD_SMTP_URL", "smtp://mail.example.org")
    plan = board.run("plan")
    assert plan.code == 0 and "notify lists" not in plan.out
