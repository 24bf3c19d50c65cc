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
