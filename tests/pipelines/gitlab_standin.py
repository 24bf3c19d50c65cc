"""A stand-in for the GitLab REST endpoints (API v4) the GitLab CI recipe's scripts call.

Shaped as GitLab documents them: paged lists with ``Link`` and ``X-Next-Page``, merge requests
with ``merge_commit_sha``/``squash_commit_sha`` and source/target project ids, merge request
pipelines with their project, jobs with ``artifacts_expire_at``, notes and issues authored by
the token's user, resource groups with their ``process_mode``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.pipelines.forge_http import Edit, Git, Reply, Request, StandIn, stamp
from tests.pipelines.script_run import GITLAB_SCRIPTS, ScriptResult, read_outputs, run_script

PROJECT = 42
FORK = 77
PLAN_TOKEN = "glpat-STANDIN-plan"
APPLY_TOKEN = "glpat-STANDIN-apply"
USERS = {PLAN_TOKEN: {"id": 501, "username": "project_42_bot_plan"},
         APPLY_TOKEN: {"id": 502, "username": "project_42_bot_apply"}}
PLAN_BOT = USERS[PLAN_TOKEN]["username"]
PERSON = {"id": 7, "username": "a-person"}


@dataclass
class MergeRequest:
    iid: int
    sha: str
    source_project_id: int
    changes: list[Edit]
    target_branch: str = "main"
    state: str = "opened"
    merged_at: str | None = None
    merge_commit_sha: str | None = None
    squash_commit_sha: str | None = None
    updated_at: str = field(default_factory=stamp)

    def json(self) -> dict[str, Any]:
        return {"iid": self.iid, "sha": self.sha, "state": self.state,
                "source_project_id": self.source_project_id, "target_project_id": PROJECT,
                "target_branch": self.target_branch, "merged_at": self.merged_at,
                "merge_commit_sha": self.merge_commit_sha,
                "squash_commit_sha": self.squash_commit_sha, "updated_at": self.updated_at}


@dataclass
class Job:
    id: int
    name: str
    status: str
    artifacts: dict[str, bytes] = field(default_factory=dict)
    artifacts_expire_at: str | None = None


@dataclass
class Pipeline:
    id: int
    project_id: int
    sha: str
    ref: str
    source: str
    mr: int | None
    status: str = "running"
    created_at: str = field(default_factory=stamp)
    jobs: list[Job] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "project_id": self.project_id, "sha": self.sha, "ref": self.ref,
                "status": self.status, "source": self.source, "created_at": self.created_at}


@dataclass
class Note:
    id: int
    target: tuple[str, int]
    body: str
    author: dict[str, Any]
    system: bool = False
    created_at: str = field(default_factory=stamp)
    updated_at: str = field(default_factory=stamp)

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "body": self.body, "author": self.author, "system": self.system,
                "created_at": self.created_at, "updated_at": self.updated_at}


@dataclass
class Issue:
    iid: int
    title: str
    description: str
    author: dict[str, Any]
    labels: list[str]
    state: str = "opened"

    def json(self) -> dict[str, Any]:
        return {"iid": self.iid, "title": self.title, "description": self.description,
                "author": self.author, "labels": self.labels, "state": self.state}


class GitLabStandIn(StandIn):
    def __init__(self, git: Git) -> None:
        super().__init__()
        self.git = git
        self.mrs: dict[int, MergeRequest] = {}
        self.pipelines: dict[int, Pipeline] = {}
        self.notes: list[Note] = []
        self.issues: dict[int, Issue] = {}
        self.resource_groups = {"callboard-apply": "unordered"}
        self.associated: dict[str, list[int]] = {}
        self._iids = itertools.count(1)
        self._ids = itertools.count(3001)
        p = f"/api/v4/projects/{PROJECT}"
        for method, path, handler in [
            ("GET", r"/api/v4/user", self._user),
            ("GET", rf"{p}/repository/commits/(\w+)/merge_requests", self._commit_mrs),
            ("GET", rf"{p}/merge_requests", self._list_mrs),
            ("GET", rf"{p}/merge_requests/(\d+)/pipelines", self._mr_pipelines),
            ("GET", rf"{p}/merge_requests/(\d+)/notes", self._list_notes),
            ("POST", rf"{p}/merge_requests/(\d+)/notes", self._add_note),
            ("PUT", rf"{p}/merge_requests/(\d+)/notes/(\d+)", self._edit_note),
            ("GET", rf"{p}/pipelines/(\d+)/jobs", self._jobs),
            ("GET", rf"{p}/jobs/(\d+)/artifacts/([\w.%-]+)", self._artifact),
            ("GET", rf"{p}/issues", self._list_issues),
            ("POST", rf"{p}/issues", self._open_issue),
            ("PUT", rf"{p}/issues/(\d+)", self._edit_issue),
            ("POST", rf"{p}/issues/(\d+)/notes", self._issue_note),
            ("GET", rf"{p}/repository/branches/([\w%-]+)", self._branch),
            ("GET", rf"{p}/repository/merge_base", self._merge_base),
            ("GET", rf"{p}/repository/compare", self._compare),
            ("GET", rf"{p}/resource_groups/([\w%-]+)", self._resource_group),
        ]:
            self.route(method, path, self._authorized(handler))

    def run_script(self, cwd: Path, name: str, *args: str, token: str = APPLY_TOKEN,
                   outputs: bool = True) -> ScriptResult:
        """One of the recipe's scripts, as a job with these CI/CD variables runs it; its
        dotenv ``--outputs`` become the result's outputs."""
        env = {"CI_API_V4_URL": f"{self.base}/api/v4", "CI_PROJECT_ID": str(PROJECT),
               "CALLBOARD_GITLAB_TOKEN": token, "CALLBOARD_PLAN_BOT": PLAN_BOT,
               "CI_DEFAULT_BRANCH": "main"}
        dotenv = cwd / "out.env"
        dotenv.unlink(missing_ok=True)
        extra = ["--outputs", str(dotenv)] if outputs else []
        result = run_script(GITLAB_SCRIPTS / name, [*args, *extra], env, cwd)
        result.outputs = read_outputs(dotenv)
        return result

    # -- building the world ------------------------------------------------------------------
    def open_mr(self, changes: list[Edit], source_project_id: int = PROJECT) -> MergeRequest:
        base = self.git.branches["main"]
        head = self.git.commit([base], self.git.on_top(base, changes))
        mr = MergeRequest(next(self._iids), head, source_project_id, changes)
        self.mrs[mr.iid] = mr
        return mr

    def rebase(self, mr: MergeRequest) -> str:
        """The merge request's "Rebase" button: its head now sits on main's tip."""
        tip = self.git.branches["main"]
        mr.sha = self.git.commit([tip], self.git.on_top(tip, mr.changes))
        return mr.sha

    def merge(self, mr: MergeRequest, how: str = "merge", associate: bool = True) -> str:
        tip = self.git.branches["main"]
        if how == "ff":  # fast-forward: main moves to the (rebased) head
            assert self.git.commits[mr.sha].parents == [tip], "rebase first"
            sha = mr.sha
        elif how == "squash":  # a squash commit, then the merge commit
            mr.squash_commit_sha = self.git.commit([tip], self.git.on_top(tip, mr.changes))
            sha = self.git.commit([tip, mr.squash_commit_sha], self.git.on_top(tip, mr.changes))
            mr.merge_commit_sha = sha
        else:
            sha = self.git.commit([tip, mr.sha], self.git.on_top(tip, mr.changes))
            mr.merge_commit_sha = sha
        self.git.branches["main"] = sha
        mr.state, mr.merged_at = "merged", stamp()
        mr.updated_at = mr.merged_at
        if associate:
            self.associated.setdefault(sha, []).append(mr.iid)
        return sha

    def start_pipeline(self, sha: str, ref: str, source: str, mr: int | None = None,
                       project_id: int = PROJECT) -> Pipeline:
        pipeline = Pipeline(next(self._ids), project_id, sha, ref, source, mr)
        self.pipelines[pipeline.id] = pipeline
        return pipeline

    def add_job(self, pipeline: Pipeline, name: str, status: str,
                artifacts: dict[str, bytes] | None = None,
                expire_in: timedelta = timedelta(days=14)) -> Job:
        job = Job(next(self._ids), name, status, artifacts or {}, stamp(expire_in))
        pipeline.jobs.append(job)
        return job

    def note(self, mr: int, body: str, author: dict[str, Any], system: bool = False) -> Note:
        made = Note(next(self._ids), ("mr", mr), body, author, system)
        self.notes.append(made)
        return made

    def notes_on(self, kind: str, iid: int) -> list[Note]:
        return [n for n in self.notes if n.target == (kind, iid)]

    # -- endpoints ---------------------------------------------------------------------------
    def _authorized(self, handler: Any) -> Any:
        def check(request: Request, *args: str) -> Reply:
            if request.headers.get("PRIVATE-TOKEN") not in USERS:
                return Reply(401, {"message": "401 Unauthorized"})
            return handler(request, *args)
        return check

    def _me(self, request: Request) -> dict[str, Any]:
        return USERS[request.headers["PRIVATE-TOKEN"]]

    def _user(self, request: Request) -> Reply:
        return Reply(200, self._me(request))

    def _commit_mrs(self, request: Request, sha: str) -> Reply:
        return self.page(request, [self.mrs[i].json() for i in self.associated.get(sha, [])])

    def _list_mrs(self, request: Request) -> Reply:
        q = request.query
        found = [m for m in self.mrs.values() if q.get("state", m.state) == m.state
                 and q.get("target_branch", m.target_branch) == m.target_branch]
        found.sort(key=lambda m: (m.updated_at, m.iid), reverse=True)
        return self.page(request, [m.json() for m in found])

    def _mr_pipelines(self, request: Request, iid: str) -> Reply:
        found = [p.json() for p in sorted(self.pipelines.values(), key=lambda p: -p.id)
                 if p.mr == int(iid)]
        return self.page(request, found)

    def _list_notes(self, request: Request, iid: str) -> Reply:
        return self.page(request, [n.json() for n in self.notes_on("mr", int(iid))])

    def _add_note(self, request: Request, iid: str) -> Reply:
        return Reply(201, self.note(int(iid), request.body["body"], self._me(request)).json())

    def _edit_note(self, request: Request, iid: str, note_id: str) -> Reply:
        [note] = [n for n in self.notes_on("mr", int(iid)) if n.id == int(note_id)]
        if note.author["id"] != self._me(request)["id"]:
            return Reply(403, {"message": "403 Forbidden"})
        note.body, note.updated_at = request.body["body"], stamp()
        return Reply(200, note.json())

    def _jobs(self, request: Request, pipeline_id: str) -> Reply:
        pipeline = self.pipelines[int(pipeline_id)]
        return self.page(request, [{"id": j.id, "name": j.name, "status": j.status,
                                    "artifacts_expire_at": j.artifacts_expire_at}
                                   for j in pipeline.jobs])

    def _artifact(self, request: Request, job_id: str, path: str) -> Reply:
        for pipeline in self.pipelines.values():
            for job in pipeline.jobs:
                if job.id == int(job_id) and pipeline.project_id == PROJECT:
                    expired = job.artifacts_expire_at and job.artifacts_expire_at <= stamp()
                    if path in job.artifacts and not expired:
                        return Reply(200, job.artifacts[path])
        return Reply(404, {"message": "404 Not Found"})

    def _list_issues(self, request: Request) -> Reply:
        state, label = request.query.get("state"), request.query.get("labels")
        found = [i.json() for i in sorted(self.issues.values(), key=lambda i: -i.iid)
                 if state in (None, i.state) and (label is None or label in i.labels)]
        return self.page(request, found)

    def _open_issue(self, request: Request) -> Reply:
        body = request.body
        issue = Issue(next(self._iids), body["title"], body.get("description", ""),
                      self._me(request), [x for x in body.get("labels", "").split(",") if x])
        self.issues[issue.iid] = issue
        return Reply(201, issue.json())

    def _edit_issue(self, request: Request, iid: str) -> Reply:
        issue = self.issues[int(iid)]
        if "description" in request.body:
            issue.description = request.body["description"]
        if request.body.get("state_event") == "close":
            issue.state = "closed"
        return Reply(200, issue.json())

    def _issue_note(self, request: Request, iid: str) -> Reply:
        made = Note(next(self._ids), ("issue", int(iid)), request.body["body"],
                    self._me(request))
        self.notes.append(made)
        return Reply(201, made.json())

    def _branch(self, request: Request, name: str) -> Reply:
        return Reply(200, {"name": name, "commit": {"id": self.git.branches[name]}})

    def _merge_base(self, request: Request) -> Reply:
        first, second = request.multi["refs[]"]
        common = self.git.ancestors(first) & self.git.ancestors(second)
        newest = max(common, key=lambda sha: len(self.git.ancestors(sha)))
        return Reply(200, {"id": newest})

    def _compare(self, request: Request) -> Reply:
        changed = self.git.diff(request.query["from"], request.query["to"])
        return Reply(200, {"diffs": [{"old_path": p, "new_path": p} for p in changed],
                           "compare_same_ref": False})

    def _resource_group(self, request: Request, key: str) -> Reply:
        if key not in self.resource_groups:
            return Reply(404, {"message": "404 Not found"})
        return Reply(200, {"id": 1, "key": key, "process_mode": self.resource_groups[key]})
