"""A script that asked for `--format json` reads JSON on stdout for every failure (README, JSON
outputs), a mistyped option included: click refuses those before any option is processed, so
the error document was missing and the script found nothing to parse."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Sandbox


@pytest.mark.parametrize("args", [("plan", "--format", "json", "--bogus"),
                                  ("drift", "--format=json", "--formt", "x"),
                                  ("sync", "log", "--format", "json", "--since")])
def test_a_usage_error_of_a_json_command_is_a_json_error_document(
        sandbox: Sandbox, args: tuple[str, ...]) -> None:
    result = sandbox.run(*args)
    assert result.code == 1
    error = json.loads(result.out)["error"]
    assert error["kind"] == "usage" and error["exit_code"] == 1
    assert error["message"] in result.err


def test_a_text_command_prints_no_json_on_a_usage_error(sandbox: Sandbox) -> None:
    result = sandbox.run("plan", "--bogus")
    assert result.code == 1 and result.out == ""


@pytest.mark.parametrize(("args", "said"), [
    (("plan", "--format", "json", "--target", "data_syncs.membrs"), "'data_syncs.members'"),
    (("sync", "log", "membrs", "--format", "json"), "'members'"),
])
def test_a_mistyped_name_on_the_command_line_is_a_usage_error(
        sandbox: Sandbox, args: tuple[str, ...], said: str) -> None:
    """A typo in an address or sync NAME is the user's command line, like an unknown option:
    scripts that branch on ``kind`` must not see the catch-all ``error``."""
    assert sandbox.run("apply", "--auto-approve").code == 0
    result = sandbox.run(*args)
    assert result.code == 1
    error = json.loads(result.out)["error"]
    assert error["kind"] == "usage" and error["exit_code"] == 1
    assert f"did you mean {said}" in error["message"] and error["message"] in result.err
