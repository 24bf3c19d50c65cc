"""`plan --out` into a folder that does not exist (a typo, or a CI step that forgot mkdir) is
refused before planning with the folder named, not an internal error after the plan printed."""

from __future__ import annotations

import json

from tests.cli.conftest import Sandbox


def test_plan_out_into_a_missing_folder_is_refused_before_planning(sandbox: Sandbox) -> None:
    result = sandbox.run("plan", "--out", "plans/next.cbplan")
    assert result.code == 1
    assert result.out == ""  # refused before any plan was shown
    assert result.err.strip().endswith("Error: Invalid value for '--out': the folder plans does "
                                       "not exist (create it first)")
    assert "internal error" not in result.err
    assert not (sandbox.root / "plans").exists()


def test_plan_out_error_as_json(sandbox: Sandbox) -> None:
    result = sandbox.run("plan", "--out", "plans/next.cbplan", "--format", "json")
    assert result.code == 1
    error = json.loads(result.out)["error"]
    assert error["kind"] == "usage" and error["exit_code"] == 1
    assert "the folder plans does not exist" in error["message"]


def test_a_plan_file_that_cannot_be_written_is_a_clear_error(sandbox: Sandbox) -> None:
    result = sandbox.run("plan", "--out", "/proc/next.cbplan")  # a folder nobody can write in
    assert result.code == 1
    assert result.err.strip().startswith("Error: cannot save the plan to /proc/next.cbplan: ")
    assert "internal error" not in result.err
