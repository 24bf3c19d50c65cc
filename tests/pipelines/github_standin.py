"""A stand-in for the GitHub REST endpoints the Actions recipe's scripts call, over loopback.

Answers are shaped as GitHub documents them (REST API 2022-11-28): paged lists with ``Link``,
workflow runs and artifacts with ``head_repository`` and ``expires_at``, an artifact download
that redirects to storage which refuses a request still carrying the token, comments and
issues authored by the token's identity. Tests build the world (pull requests, merges, plan
runs, comments) with the helper methods and read back what the scripts left.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.pipelines.forge_http import Edit, Git, Reply, Request, StandIn, stamp
from tests.pipelines.script_run import GITHUB_SCRIPTS, ScriptResult, run_script

REPOSITORY = "lakeside/manifests"
BOT = "github-actions[bot]"
TOKEN = "ghs-STANDIN-workflow-token"
PLAN_WORKFLOW = ".github/workflows/callboard-plan.yml"


@dataclass
class PullRequest:
    number: int
    head_sha: str
    head_repo: str | None
    changes: list[Edit]
    base: str = "main"
    state: str = "open"
    merged_at: str | None = None
    merge_commit_sha: str | None = None
    updated_at: str = field(default_factory=stamp)

    def json(self) -> dict[str, Any]:
        return {"number": self.number, "state": self.state, "merged_at": self.merged_at,
                "merge_commit_sha": self.merge_commit_sha, "updated_at": self.updated_at,
                "base": {"ref": self.base},
                "head": {"sha": self.head_sha, "ref": f"change-{self.number}",
                         "repo": {"full_name": self.head_repo} if self.head_repo else None}}


@dataclass
class Run:
    id: int
    head_sha: str
    head_repo: str
    conclusion: str | None
    event: str = "pull_request"
    path: str = PLAN_WORKFLOW
    run_started_at: str = field(default_factory=stamp)
    run_attempt: int = 1

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "event": self.event, "path": self.path,
                "head_sha": self.head_sha, "status": "completed" if self.conclusion else
                "in_progress", "conclusion": self.conclusion,
                "created_at": self.run_started_at, "run_started_at": self.run_started_at,
                "run_attempt": self.run_attempt, "head_repository": {"full_name": self.head_repo},
                "repository": {"full_name": REPOSITORY}}


@dataclass
class Artifact:
    id: int
    run: Run
    name: str
    blob: bytes
    expires_at: str
    created_at: str = field(default_factory=stamp)

    def json(self) -> dict[str, Any]:
        expired = self.expires_at <= stamp()
        return {"id": self.id, "name": self.name, "size_in_bytes": len(self.blob),
                "expired": expired, "created_at": self.created_at,
                "expires_at": self.expires_at,
                "archive_download_url": f"/repos/{REPOSITORY}/actions/artifacts/{self.id}/zip",
                "workflow_run": {"id": self.run.id, "head_sha": self.run.head_sha}}


@dataclass
class Comment:
    id: int
    issue: int
    body: str
    login: str
    created_at: str = field(default_factory=stamp)
    updated_at: str = field(default_factory=stamp)

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "body": self.body, "user": {"login": self.login},
                "created_at": self.created_at, "updated_at": self.updated_at}


@dataclass
class Issue:
    number: int
    title: str
    body: str
    login: str
    state: str = "open"
    state_reason: str | None = None

    def json(self) -> dict[str, Any]:
        return {"number": self.number, "title": self.title, "body": self.body,
                "user": {"login": self.login}, "state": self.state,
                "state_reason": self.state_reason}


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


class GitHubStandIn(StandIn):
    def __init__(self, git: Git) -> None:
        super().__init__()
        self.git = git
        self.tokens = {TOKEN: BOT}
        self.pulls: dict[int, PullRequest] = {}
        self.runs: dict[int, Run] = {}
        self.artifacts: dict[int, Artifact] = {}
        self.comments: list[Comment] = []
        self.issues: dict[int, Issue] = {}
        self.associated: dict[str, list[int]] = {}
        self._numbers = itertools.count(1)  # issues and pull requests share numbers
        self._ids = itertools.count(1001)
        repo = f"/repos/{REPOSITORY}"
        for method, path, handler in [
            ("GET", rf"{repo}/commits/(\w+)/pulls", self._commit_pulls),
            ("GET", rf"{repo}/pulls", self._list_pulls),
            ("GET", rf"{repo}/actions/workflows/([\w.-]+)/runs", self._workflow_runs),
            ("GET", rf"{repo}/actions/runs/(\d+)/artifacts", self._run_artifacts),
            ("GET", rf"{repo}/actions/artifacts/(\d+)/zip", self._artifact_zip),
            ("GET", r"/storage/(\d+)", self._storage),
            ("GET", rf"{repo}/issues/(\d+)/comments", self._list_comments),
            ("POST", rf"{repo}/issues/(\d+)/comments", self._add_comment),
            ("PATCH", rf"{repo}/issues/comments/(\d+)", self._edit_comment),
            ("GET", rf"{repo}/issues", self._list_issues),
            ("POST", rf"{repo}/issues", self._open_issue),
            ("PATCH", rf"{repo}/issues/(\d+)", self._edit_issue),
            ("GET", rf"{repo}/branches/([\w-]+)", self._branch),
            ("GET", rf"{repo}/compare/(\w+)\.\.\.(\w+)", self._compare),
        ]:
            self.route(method, path, self._authorized(handler))

    def run_script(self, cwd: Path, name: str, *args: str) -> ScriptResult:
        """One of the recipe's scripts, as a workflow step with ``github.token`` runs it."""
        env = {"GITHUB_API_URL": self.base, "GITHUB_REPOSITORY": REPOSITORY,
               "GITHUB_TOKEN": TOKEN}
        return run_script(GITHUB_SCRIPTS / name, list(args), env, cwd)

    # -- building the world ------------------------------------------------------------------
    def open_pull(self, changes: list[Edit], head_repo: str | None = REPOSITORY
                  ) -> PullRequest:
        base = self.git.branches["main"]
        head = self.git.commit([base], self.git.on_top(base, changes))
        pr = PullRequest(next(self._numbers), head, head_repo, changes)
        self.pulls[pr.number] = pr
        return pr

    def test_merge(self, pr: PullRequest) -> str:
        """``refs/pull/N/merge``: what a pull_request run checks out (main + the change)."""
        tip = self.git.branches["main"]
        return self.git.commit([tip, pr.head_sha], self.git.on_top(tip, pr.changes))

    def merge(self, pr: PullRequest, how: str = "merge", associate: bool = True) -> str:
        tip = self.git.branches["main"]
        if how == "merge":
            sha = self.git.commit([tip, pr.head_sha], self.git.on_top(tip, pr.changes))
        elif how == "squash":
            sha = self.git.commit([tip], self.git.on_top(tip, pr.changes))
        elif how == "rebase":  # each commit replayed: the branch moves to the last one
            first, *rest = pr.changes
            sha = self.git.commit([tip], self.git.on_top(tip, [first]))
            sha = self.git.commit([sha], self.git.on_top(tip, pr.changes)) if rest else sha
        else:
            raise ValueError(how)
        self.git.branches["main"] = sha
        pr.state, pr.merged_at, pr.merge_commit_sha = "closed", stamp(), sha
        pr.updated_at = pr.merged_at
        if associate:
            self.associated.setdefault(sha, []).append(pr.number)
        return sha

    def start_run(self, head_sha: str, head_repo: str = REPOSITORY,
                  event: str = "pull_request") -> Run:
        run = Run(next(self._ids), head_sha, head_repo, None, event)
        self.runs[run.id] = run
        return run

    def upload(self, run: Run, name: str, files: dict[str, bytes],
               retention: timedelta = timedelta(days=14)) -> Artifact:
        artifact = Artifact(next(self._ids), run, name, zip_of(files), stamp(retention))
        self.artifacts[artifact.id] = artifact
        return artifact

    def comment(self, issue: int, body: str, login: str = BOT) -> Comment:
        made = Comment(next(self._ids), issue, body, login)
        self.comments.append(made)
        return made

    def comments_on(self, issue: int) -> list[Comment]:
        return [c for c in self.comments if c.issue == issue]

    # -- endpoints ---------------------------------------------------------------------------
    def _authorized(self, handler: Any) -> Any:
        def check(request: Request, *args: str) -> Reply:
            if handler == self._storage:
                return handler(request, *args)
            token = request.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in self.tokens:
                return Reply(401, {"message": "Bad credentials"})
            return handler(request, *args)
        return check

    def _login(self, request: Request) -> str:
        return self.tokens[request.headers["Authorization"].removeprefix("Bearer ")]

    def _commit_pulls(self, request: Request, sha: str) -> Reply:
        return self.page(request, [self.pulls[n].json() for n in self.associated.get(sha, [])])

    def _list_pulls(self, request: Request) -> Reply:
        state, base = request.query.get("state", "open"), request.query.get("base")
        found = [p for p in self.pulls.values() if (state == "all" or p.state == state)
                 and (base is None or p.base == base)]
        found.sort(key=lambda p: (p.updated_at, p.number), reverse=True)
        return self.page(request, [p.json() for p in found])

    def _workflow_runs(self, request: Request, workflow: str) -> Reply:
        q = request.query
        found = [r for r in self.runs.values() if r.path == f".github/workflows/{workflow}"
                 and r.event == q.get("event", r.event)
                 and r.head_sha == q.get("head_sha", r.head_sha)
                 and (q.get("status") in (None, r.conclusion))]
        found.sort(key=lambda r: r.id, reverse=True)
        return self.page(request, [r.json() for r in found], wrap="workflow_runs")

    def _run_artifacts(self, request: Request, run_id: str) -> Reply:
        found = [a.json() for a in self.artifacts.values() if a.run.id == int(run_id)
                 and request.query.get("name", a.name) == a.name]
        return self.page(request, found, wrap="artifacts")

    def _artifact_zip(self, request: Request, artifact_id: str) -> Reply:
        artifact = self.artifacts.get(int(artifact_id))
        if artifact is None:
            return Reply(404, {"message": "Not Found"})
        if artifact.json()["expired"]:
            return Reply(410, {"message": "Artifact has expired"})
        return Reply(302, None, {"Location": f"{self.base}/storage/{artifact.id}?sig=x"})

    def _storage(self, request: Request, artifact_id: str) -> Reply:
        if "Authorization" in request.headers:  # as Azure blob storage does with a SAS URL
            return Reply(400, b"<Error>AuthenticationFailed: two authentications</Error>")
        return Reply(200, self.artifacts[int(artifact_id)].blob)

    def _list_comments(self, request: Request, issue: str) -> Reply:
        return self.page(request, [c.json() for c in self.comments_on(int(issue))])

    def _add_comment(self, request: Request, issue: str) -> Reply:
        made = self.comment(int(issue), request.body["body"], self._login(request))
        return Reply(201, made.json())

    def _edit_comment(self, request: Request, comment_id: str) -> Reply:
        [mine] = [c for c in self.comments if c.id == int(comment_id)]
        if mine.login != self._login(request):
            return Reply(403, {"message": "Resource not accessible by integration"})
        mine.body, mine.updated_at = request.body["body"], stamp()
        return Reply(200, mine.json())

    def _list_issues(self, request: Request) -> Reply:
        state, creator = request.query.get("state", "open"), request.query.get("creator")
        found: list[dict[str, Any]] = [
            i.json() for i in sorted(self.issues.values(), key=lambda i: -i.number)
            if (state == "all" or i.state == state) and creator in (None, i.login)]
        if creator is None:  # the issues list holds pull requests too (people open them)
            found += [{**p.json(), "body": "", "pull_request": {}} for p in self.pulls.values()
                      if p.state == state or state == "all"]
        return self.page(request, found)

    def _open_issue(self, request: Request) -> Reply:
        issue = Issue(next(self._numbers), request.body["title"], request.body.get("body", ""),
                      self._login(request))
        self.issues[issue.number] = issue
        return Reply(201, issue.json())

    def _edit_issue(self, request: Request, number: str) -> Reply:
        issue = self.issues[int(number)]
        for key in ("title", "body", "state", "state_reason"):
            if key in request.body:
                setattr(issue, key, request.body[key])
        return Reply(200, issue.json())

    def _branch(self, request: Request, name: str) -> Reply:
        return Reply(200, {"name": name, "commit": {"sha": self.git.branches[name]}})

    def _compare(self, request: Request, base: str, head: str) -> Reply:
        if base == head:
            status = "identical"
        elif base in self.git.ancestors(head):
            status = "ahead"
        elif head in self.git.ancestors(base):
            status = "behind"
        else:
            status = "diverged"
        files = [{"filename": name} for name in self.git.diff(base, head)]
        return self.page(request, files, wrap="files", status=status)
