"""The GitLab CI recipe as a project runs it: events in, pipelines out.

A merge request pipeline runs on the merge request's head; its jobs, with their artifacts, are
recorded in the stand-in where the apply's look-up finds them. Push, web ("Run pipeline") and
schedule pipelines run on their commit of the default branch, a protected branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.pipelines.gitlab_runner import GitLabRunner, JobRun, PipelineRun, Variable
from tests.pipelines.gitlab_standin import PROJECT, GitLabStandIn, MergeRequest, Pipeline
from tests.pipelines.script_run import job_texts

STATUSES = {"success": "success", "allowed_failure": "failed", "failed": "failed",
            "manual": "manual", "skipped": "skipped"}


@dataclass
class Launched:
    runner: GitLabRunner
    pipeline: Pipeline
    result: PipelineRun

    def job(self, name: str) -> JobRun:
        return self.result.jobs[name]

    def play(self, name: str) -> Launched:
        self.runner.played.add(name)
        self.result = self.runner.run(self.result)
        self.pipeline.status = self.result.status
        return self


class GitLabPipelines:
    def __init__(self, stand_in: GitLabStandIn, variables: dict[str, list[Variable]],
                 root: Path) -> None:
        self.stand_in, self.variables, self.root = stand_in, variables, root
        self.launched: list[Launched] = []

    def _launch(self, source: str, sha: str, ref: str, changed: list[str],
                extra: dict[str, str], mr: int | None = None,
                project_id: int = PROJECT) -> Launched:
        pipeline = self.stand_in.start_pipeline(sha, ref, source, mr, project_id)
        predefined = {"CI_PIPELINE_SOURCE": source, "CI_COMMIT_SHA": sha,
                      "CI_DEFAULT_BRANCH": "main", "CI_PROJECT_ID": str(project_id),
                      "CI_API_V4_URL": f"{self.stand_in.base}/api/v4",
                      "CI_PIPELINE_URL": f"https://gitlab.example/pipelines/{pipeline.id}",
                      **extra}
        root = self.root / f"pipeline-{pipeline.id}"
        root.mkdir(parents=True)

        def record(name: str, status: str, files: dict[str, bytes]) -> None:
            self.stand_in.add_job(pipeline, name, STATUSES[status], files)

        runner = GitLabRunner(root, predefined, self.variables, source != "merge_request_event",
                              changed, lambda ws: self.stand_in.git.checkout(sha, ws), record)
        launched = Launched(runner, pipeline, runner.run())
        pipeline.status = launched.result.status
        self.launched.append(launched)
        return launched

    def merge_request(self, mr: MergeRequest) -> Launched:
        changed = sorted({path for path, _, _ in mr.changes})
        return self._launch("merge_request_event", mr.sha, f"refs/merge-requests/{mr.iid}/head",
                            changed, {"CI_MERGE_REQUEST_IID": str(mr.iid),
                                      "CI_MERGE_REQUEST_PROJECT_ID": str(PROJECT),
                                      "CI_MERGE_REQUEST_SOURCE_PROJECT_ID":
                                          str(mr.source_project_id),
                                      "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}, mr.iid)

    def push(self, sha: str, before: str, on_stale: str | None = None) -> Launched:
        extra = {"CI_COMMIT_BRANCH": "main"}
        if on_stale:
            extra["CALLBOARD_ON_STALE"] = on_stale  # a project variable, as a team sets it
        return self._launch("push", sha, "main", self.stand_in.git.diff(before, sha), extra)

    def web(self, branch: str = "main", on_stale: str | None = None) -> Launched:
        sha = self.stand_in.git.branches[branch]
        extra = {"CI_COMMIT_BRANCH": branch}
        if on_stale:
            extra["CALLBOARD_ON_STALE"] = on_stale
        return self._launch("web", sha, branch, [], extra)

    def schedule(self, kind: str) -> Launched:
        sha = self.stand_in.git.branches["main"]
        return self._launch("schedule", sha, "main", [],
                            {"CI_COMMIT_BRANCH": "main", "CALLBOARD_SCHEDULE": kind})

    def logs(self) -> str:
        """Everything every run printed, and every file its jobs left behind."""
        return job_texts(j for launched in self.launched for j in launched.result.jobs.values())
