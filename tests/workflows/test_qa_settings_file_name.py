"""Manifests may end in .yml, so a newcomer writes `callboard.yml` too. Beside the manifests it
was read as a manifest ("unknown resource kind 'organization'", three times); at the repository
root it was ignored, so its safety thresholds and drift.ignore silently did not apply. Both are
one clear error now, before anything changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Sandbox


@pytest.mark.parametrize("where", ["manifests", "."], ids=["beside-manifests", "repo-root"])
@pytest.mark.parametrize("command", [("validate",), ("plan",), ("apply", "--auto-approve")])
def test_a_settings_file_named_callboard_yml_is_one_clear_error(
        sandbox: Sandbox, where: str, command: tuple[str, ...]) -> None:
    target = sandbox.root / where / "callboard.yml"
    (sandbox.manifests / "callboard.yaml").rename(target)
    result = sandbox.run(*command)
    assert result.code == 1
    shown = Path(where, "callboard.yml").as_posix()
    assert result.err.strip() == (f"Error: {shown}:1: settings are read from callboard.yaml, "
                                  "not callboard.yml: rename it")
    assert sandbox.run("state", "list").out == ""


def test_a_callboard_yml_in_a_subfolder_is_named_too(sandbox: Sandbox) -> None:
    (sandbox.manifests / "team").mkdir()
    (sandbox.manifests / "team" / "callboard.yml").write_text("safety: {min_managed: 1}\n")
    result = sandbox.run("validate")
    assert result.code == 1
    assert result.err.strip() == ("Error: manifests/team/callboard.yml:1: settings are read from "
                                  "callboard.yaml, not callboard.yml: rename it (and keep it "
                                  "beside the manifests or in the current directory)")
