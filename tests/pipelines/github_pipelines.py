"""The GitHub Actions recipe as a repository runs it: events in, workflow runs out.

A pull_request run checks out the test merge (main + the change), saves its artifacts in the
stand-in where the apply's look-up finds them, and ends with the run's conclusion; push,
workflow_dispatch and schedule runs check out their commit. Environments named protected wait
for approval until ``Launched.approve``.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.pipelines.actions_runner import ActionsRunner, WorkflowRun
from tests.pipelines.github_standin import REPOSITORY, TOKEN, GitHubStandIn, PullRequest, Run
from tests.pipelines.script_run import job_texts

PROTECTED = {"callboard-replan"}  # required reviewers


@dataclass
class RunArtifacts:
    stand_in: GitHubStandIn
    run: Run

    def upload(self, name: str, files: dict[str, bytes], retention_days: int) -> None:
        self.stand_in.upload(self.run, name, files, timedelta(days=retention_days))

    def download(self, name: str) -> dict[str, bytes]:
        [artifact] = [a for a in self.stand_in.artifacts.values()
                      if a.run is self.run and a.name == name]
        with zipfile.ZipFile(io.BytesIO(artifact.blob)) as archive:
            return {n: archive.read(n) for n in archive.namelist()}


@dataclass
class Launched:
    workflow: str
    runner: ActionsRunner
    run: Run
    result: WorkflowRun
    env: dict[str, str] = field(default_factory=dict)

    def job(self, name: str) -> Any:
        return self.result.jobs[name]

    def approve(self, environment: str) -> Launched:
        self.runner.approved.add(environment)
        self.result = self.runner.run(self.workflow, self.result, self.env)
        self.run.conclusion = None if self.result.waiting else self.result.conclusion
        return self


class GitHubPipelines:
    def __init__(self, stand_in: GitHubStandIn, secrets: dict[str, str], root: Path) -> None:
        self.stand_in, self.secrets, self.root = stand_in, secrets, root
        self.launched: list[Launched] = []

    def _launch(self, workflow: str, event: str, ref: str, sha: str, head_sha: str,
                head_repo: str = REPOSITORY, payload: dict[str, Any] | None = None,
                env: dict[str, str] | None = None) -> Launched:
        run = self.stand_in.start_run(head_sha, head_repo, event)
        run.path = f".github/workflows/{workflow}"
        context = {"event_name": event, "ref": ref, "sha": sha, "repository": REPOSITORY,
                   "run_id": run.id, "server_url": "https://github.example",
                   "api_url": self.stand_in.base, "token": TOKEN, "event": payload or {}}
        root = self.root / f"run-{run.id}"
        root.mkdir(parents=True)
        runner = ActionsRunner(root, context, self.secrets,
                               lambda workspace: self.stand_in.git.checkout(sha, workspace),
                               RunArtifacts(self.stand_in, run), set(PROTECTED))
        launched = Launched(workflow, runner, run, runner.run(workflow, env=env), env or {})
        run.conclusion = None if launched.result.waiting else launched.result.conclusion
        self.launched.append(launched)
        return launched

    def pull_request(self, pr: PullRequest) -> Launched:
        merge = self.stand_in.test_merge(pr)
        head_repo = pr.head_repo or "deleted/fork"
        payload = {"pull_request": {"number": pr.number, "head": {
            "sha": pr.head_sha, "repo": {"full_name": pr.head_repo} if pr.head_repo else None}}}
        return self._launch("callboard-plan.yml", "pull_request", f"refs/pull/{pr.number}/merge",
                            merge, pr.head_sha, head_repo, payload)

    def merge_group(self, pr: PullRequest) -> Launched:
        """A merge queue's check run: main with the pull request on it, on a queue branch."""
        merge = self.stand_in.test_merge(pr)
        ref = f"refs/heads/gh-readonly-queue/main/pr-{pr.number}-{merge}"
        payload = {"merge_group": {"head_sha": merge, "base_ref": "refs/heads/main"}}
        return self._launch("callboard-plan.yml", "merge_group", ref, merge, merge,
                            payload=payload)

    def push(self, sha: str, on_stale: str | None = None) -> Launched:
        env = {"CALLBOARD_ON_STALE": on_stale} if on_stale else None
        return self._launch("callboard-apply.yml", "push", "refs/heads/main", sha, sha, env=env)

    def dispatch(self, workflow: str, branch: str = "main") -> Launched:
        sha = self.stand_in.git.branches[branch]
        return self._launch(workflow, "workflow_dispatch", f"refs/heads/{branch}", sha, sha)

    def schedule(self, workflow: str) -> Launched:
        sha = self.stand_in.git.branches["main"]
        return self._launch(workflow, "schedule", "refs/heads/main", sha, sha)

    def logs(self) -> str:
        """Everything every run printed, and every file its jobs left behind."""
        return job_texts(j for launched in self.launched for j in launched.result.jobs.values())
