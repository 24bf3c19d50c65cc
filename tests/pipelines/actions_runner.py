"""Run a GitHub Actions workflow of the recipe the way GitHub would, on this machine.

Jobs in ``needs`` order, each in a fresh workspace (the recipe's ``.github`` plus the checked-out
commit), with their ``if:`` conditions, outputs, environments awaiting approval, and steps as
``bash --noprofile --norc -eo pipefail``. Expressions are evaluated (``secrets``, ``github``,
``steps``, ``needs``, ``env``, ``job``), so a misnamed output or secret breaks the test as it
would break the workflow. ``uses:`` steps: checkout lays the commit, the recipe's own
set-up action is already done (Callboard is installed), and artifacts go to the stand-in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ruamel.yaml import YAML

from tests.pipelines.gha_expressions import Evaluator
from tests.pipelines.script_run import REPO, read_outputs

RECIPE = REPO / "examples" / "github-actions"


class Artifacts(Protocol):
    def upload(self, name: str, files: dict[str, bytes], retention_days: int) -> None: ...
    def download(self, name: str) -> dict[str, bytes]: ...


@dataclass
class StepRun:
    name: str
    outcome: str
    out: str = ""
    err: str = ""
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class JobRun:
    id: str
    result: str
    steps: list[StepRun] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    workspace: Path | None = None

    @property
    def log(self) -> str:
        return "\n".join(f"--- {s.name} [{s.outcome}]\n{s.out}{s.err}" for s in self.steps)


@dataclass
class WorkflowRun:
    jobs: dict[str, JobRun]
    waiting: str | None = None

    @property
    def conclusion(self) -> str:
        results = {j.result for j in self.jobs.values()} - {"skipped"}
        return "failure" if "failure" in results else "success"

    def result(self, job: str) -> str:
        return self.jobs[job].result if job in self.jobs else "not run"


def load_workflow(name: str) -> dict[str, Any]:
    return YAML(typ="safe").load((RECIPE / ".github" / "workflows" / name).read_text())


@dataclass
class ActionsRunner:
    root: Path
    github: dict[str, Any]
    secrets: dict[str, str]
    checkout: Callable[[Path], None]
    artifacts: Artifacts
    protected_environments: set[str] = field(default_factory=set)
    approved: set[str] = field(default_factory=set)
    missing_secrets: set[str] = field(default_factory=set)

    def run(self, workflow: str, done: WorkflowRun | None = None,
            env: dict[str, str] | None = None) -> WorkflowRun:
        """Run the workflow's jobs; given ``done`` (a run waiting for approval), go on with it.
        ``env`` overrides the workflow's top-level ``env`` (a team's own setting)."""
        document = load_workflow(workflow)
        document["env"] = {**document.get("env", {}), **(env or {})}
        done = done or WorkflowRun({})
        done.waiting = None
        for job_id, job in document["jobs"].items():
            if job_id in done.jobs:
                continue
            needs = job.get("needs", [])
            needs = [needs] if isinstance(needs, str) else needs
            results = [done.result(n) for n in needs]
            context = self._contexts(document, {}, {n: done.jobs[n] for n in needs
                                                    if n in done.jobs})
            evaluator = Evaluator(context, self._status(results, job_status=None))
            if not evaluator.condition(job.get("if")):
                done.jobs[job_id] = JobRun(job_id, "skipped")
                continue
            environment = job.get("environment")
            name = environment.get("name") if isinstance(environment, dict) else environment
            if name in self.protected_environments and name not in self.approved:
                done.waiting = job_id
                return done
            done.jobs[job_id] = self._job(document, job_id, job, done)
        return done

    def _contexts(self, document: dict[str, Any], steps: dict[str, StepRun],
                  needs: dict[str, JobRun]) -> dict[str, Any]:
        secrets = _Recorder(self.secrets, self.missing_secrets)
        return {"github": self.github, "secrets": secrets, "env": document.get("env", {}),
                "steps": {k: {"outcome": s.outcome, "conclusion": s.outcome,
                              "outputs": s.outputs} for k, s in steps.items()},
                "needs": {k: {"result": j.result, "outputs": j.outputs}
                          for k, j in needs.items()}}

    @staticmethod
    def _status(results: list[str], job_status: str | None) -> dict[str, Callable[..., Any]]:
        failed = job_status == "failure" if job_status else any(
            r == "failure" for r in results)
        ok = job_status == "success" if job_status else all(r == "success" for r in results)
        return {"always": lambda: True, "success": lambda: ok, "failure": lambda: failed,
                "cancelled": lambda: False}

    def _job(self, document: dict[str, Any], job_id: str, job: dict[str, Any],
             done: WorkflowRun) -> JobRun:
        workspace = self.root / f"job-{job_id}-{len(list(self.root.glob('job-*')))}"
        shutil.copytree(RECIPE / ".github", workspace / ".github")
        run = JobRun(job_id, "success", workspace=workspace)
        needs = job.get("needs", [])
        needs = {n: done.jobs[n] for n in ([needs] if isinstance(needs, str) else needs)}
        steps: dict[str, StepRun] = {}
        summary = workspace / "step-summary.md"
        for number, step in enumerate(job["steps"]):
            context = self._contexts(document, steps, needs)
            context["job"] = {"status": run.result}
            evaluate = Evaluator(context, self._status([], run.result))
            name = step.get("name") or step.get("uses") or f"step {number}"
            if not evaluate.condition(step.get("if")):
                result = StepRun(name, "skipped")
            elif "uses" in step:
                result = self._uses(step, evaluate, workspace, name)
            else:
                result = self._shell(document, job, step, evaluate, workspace, summary, name)
            run.steps.append(result)
            steps[step.get("id", f"_{number}")] = result
            if result.outcome == "failure":
                run.result = "failure"
        context = self._contexts(document, steps, needs)
        evaluate = Evaluator(context, self._status([], run.result))
        run.outputs = {k: evaluate.interpolate(str(v)) for k, v in job.get("outputs", {}).items()}
        return run

    def _uses(self, step: dict[str, Any], evaluate: Evaluator, workspace: Path,
              name: str) -> StepRun:
        action = step["uses"]
        given = {k: evaluate.interpolate(str(v)) for k, v in step.get("with", {}).items()}
        if action.startswith("actions/checkout@"):
            self.checkout(workspace)
        elif action.startswith("./"):
            assert (workspace / action / "action.yml").exists(), action
        elif action.startswith("actions/upload-artifact@"):
            path = workspace / given["path"]
            if not path.exists():
                return StepRun(name, "failure", err=f"no files found at {given['path']}")
            self.artifacts.upload(given["name"], {path.name: path.read_bytes()},
                                  int(given.get("retention-days", 90)))
        elif action.startswith("actions/download-artifact@"):
            target = workspace / given.get("path", ".")
            target.mkdir(parents=True, exist_ok=True)
            for file_name, data in self.artifacts.download(given["name"]).items():
                (target / file_name).write_bytes(data)
        else:
            raise AssertionError(f"the runner does not know {action}")
        return StepRun(name, "success")

    def _shell(self, document: dict[str, Any], job: dict[str, Any], step: dict[str, Any],
               evaluate: Evaluator, workspace: Path, summary: Path, name: str) -> StepRun:
        outputs = workspace / "step-output"
        outputs.write_text("")
        env = {**self._base_env(), "GITHUB_OUTPUT": str(outputs),
               "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(workspace)}
        for scope in (document.get("env", {}), job.get("env", {}), step.get("env", {})):
            env.update({k: evaluate.interpolate(str(v)) for k, v in scope.items()})
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               step["run"]], cwd=workspace, env=env, text=True,
                              capture_output=True, timeout=300)
        return StepRun(name, "success" if done.returncode == 0 else "failure", done.stdout,
                       done.stderr + ("" if done.returncode == 0 else
                                      f"\n(exit {done.returncode})"), read_outputs(outputs))

    def _base_env(self) -> dict[str, str]:
        """The runner's own variables; no secret is in the environment unless a step maps it."""
        keep = {k: v for k, v in os.environ.items() if not k.startswith(
            ("CALLBOARD_", "PROSPECT2_", "TESSITURA_", "GITHUB_"))}
        bin_dir = str(Path(sys.executable).parent)
        g = self.github
        # CALLBOARD_LOOKUP_PAUSE: the stand-in answers at once, so no waiting between retries.
        return {**keep, "PATH": f"{bin_dir}:{os.environ['PATH']}", "CI": "true",
                "CALLBOARD_LOOKUP_PAUSE": "0",
                "GITHUB_ACTIONS": "true", "GITHUB_SHA": g["sha"], "GITHUB_REF": g["ref"],
                "GITHUB_REPOSITORY": g["repository"], "GITHUB_API_URL": g["api_url"],
                "GITHUB_SERVER_URL": g["server_url"], "GITHUB_EVENT_NAME": g["event_name"],
                "GITHUB_RUN_ID": str(g["run_id"])}


class _Recorder(dict):  # type: ignore[type-arg]
    """``secrets``: a missing one reads as '' (as on GitHub) and is remembered for the test."""

    def __init__(self, values: dict[str, str], missing: set[str]) -> None:
        super().__init__(values)
        self.missing = missing

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self.missing.add(key)
            return ""
        return super().get(key)
