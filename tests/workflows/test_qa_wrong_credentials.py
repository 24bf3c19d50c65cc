"""Wrong Tessitura credentials: every command that reads Tessitura says so in one line, before
anything changes; no 'retrying' noise from the requests still in flight when the first refusal
stops the command."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Workspace

REFUSED = ("Error: Tessitura refused the credentials for callboard:admin:emulator "
           "(TESSITURA_USER, TESSITURA_USERGROUP, TESSITURA_LOCATION, TESSITURA_PASSWORD)")


@pytest.mark.parametrize("command", [("generate", "--out", "generated"), ("plan",), ("drift",),
                                     ("validate", "--online"), ("apply", "--auto-approve")])
def test_each_command_says_once_that_tessitura_refused_the_credentials(
        workspace: Workspace, command: tuple[str, ...]) -> None:
    assert workspace.run("apply", "--auto-approve").returncode == 0
    before = workspace.run("state", "list").stdout
    for _ in range(3):  # the noise came from requests still in flight: not every time
        result = workspace.run(*command, env={"TESSITURA_PASSWORD": "wrong"})
        assert result.returncode == 1, result.stdout
        assert result.stderr.strip() == REFUSED
    assert not (workspace.root / "generated").exists()
    assert workspace.run("state", "list").stdout == before
