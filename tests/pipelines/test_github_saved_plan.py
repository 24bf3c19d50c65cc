"""saved_plan.py and check_tip.py against a loopback stand-in of GitHub's REST API.

Only the plan reviewed on the merged pull request, saved by a successful pull_request run of
this repository, unexpired, with the SHA-256 the comment shows, is ever written for apply.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest

from tests.pipelines.forge_http import stamp
from tests.pipelines.github_standin import (
    BOT,
    REPOSITORY,
    GitHubStandIn,
    PullRequest,
    Run,
)
from tests.pipelines.script_run import ScriptResult

TAGS = "manifests/tags.yaml"


def find(github: GitHubStandIn, cwd: Path, sha: str) -> ScriptResult:
    return github.run_script(cwd, "saved_plan.py", "--sha", sha, "--pause", "0", "--out",
                  "plan.cbplan")


def change(github: GitHubStandIn, text: str, head_repo: str = REPOSITORY) -> PullRequest:
    """A pull request adding a manifest file, and a note about it in a second commit."""
    number = len(github.pulls) + 1
    return github.open_pull([(f"manifests/extra-{number}.yaml", None, f"tags:\n{text}"),
                             (f"docs/change-{number}.md", None, "Why\n")], head_repo)


def reviewed(github: GitHubStandIn, pr: PullRequest, plan: bytes,
             run_repo: str = REPOSITORY, shown: bytes | None = None,
             retention: timedelta = timedelta(days=14)) -> Run:
    """A successful plan run for the pull request's head, its artifact and its comment."""
    run = github.start_run(pr.head_sha, run_repo)
    github.upload(run, "callboard-plan", {"plan.cbplan": plan}, retention)
    run.conclusion = "success"
    sha = hashlib.sha256(shown if shown is not None else plan).hexdigest()
    body = (f"<!-- callboard-plan -->\n<!-- callboard-plan-sha256: {sha} -->\n"
            f"### Callboard plan\n\nPlan file SHA-256: `{sha}`\n")
    mine = [c for c in github.comments_on(pr.number) if c.login == BOT]
    if mine:  # one comment, updated in place on each plan
        mine[0].body, mine[0].updated_at = body, stamp()
    else:
        github.comment(pr.number, body)
    return run


@pytest.mark.parametrize("how", ["merge", "squash", "rebase"])
def test_each_kind_of_merge_finds_the_reviewed_plan(github: GitHubStandIn, tmp_path: Path,
                                                    how: str) -> None:
    pr = change(github, "  from-pr:\n    name: From PR\n")
    plan = b'{"changes": ["reviewed"]}\n'
    run = reviewed(github, pr, plan)
    merged = github.merge(pr, how)
    result = find(github, tmp_path, merged)
    assert result.code == 0, result.out + result.err
    assert (tmp_path / "plan.cbplan").read_bytes() == plan
    assert result.outputs == {"pr": str(pr.number), "sha256": hashlib.sha256(plan).hexdigest(),
                              "run_id": str(run.id)}
    downloads = [r for r in github.log if r.path.startswith("/storage/")]
    assert downloads and all("Authorization" not in r.headers for r in downloads)


def test_a_merge_not_yet_associated_is_found_among_recent_merges(github: GitHubStandIn,
                                                                 tmp_path: Path) -> None:
    pr = change(github, "  lagging:\n    name: Lagging\n")
    reviewed(github, pr, b"plan")
    merged = github.merge(pr, "squash", associate=False)
    result = find(github, tmp_path, merged)
    assert result.code == 0, result.out
    assert result.outputs["pr"] == str(pr.number)


def test_a_direct_push_is_refused(github: GitHubStandIn, tmp_path: Path) -> None:
    pushed = github.git.advance("main", [(TAGS, None, "tags: {}\n")])
    result = find(github, tmp_path, pushed)
    assert result.code == 1
    assert f"no pull request was merged into main as {pushed}" in result.out
    assert "workflow_dispatch" in result.out
    assert not (tmp_path / "plan.cbplan").exists()


def test_a_forks_pull_request_is_refused(github: GitHubStandIn, tmp_path: Path) -> None:
    pr = change(github, "  forked:\n    name: Forked\n", head_repo="mallory/manifests")
    reviewed(github, pr, b"forged plan", run_repo="mallory/manifests")
    result = find(github, tmp_path, github.merge(pr))
    assert result.code == 1
    assert f"#{pr.number} came from mallory/manifests" in result.out
    assert "a fork's plan is never applied" in result.out
    assert not (tmp_path / "plan.cbplan").exists()


def test_a_forks_run_for_the_same_head_is_never_used(github: GitHubStandIn,
                                                     tmp_path: Path) -> None:
    """Head SHAs are public: a fork can open its own pull request at the same commit and have
    its run upload a forged plan. Only this repository's run counts."""
    pr = change(github, "  real:\n    name: Real\n")
    plan = b"the reviewed plan"
    legit = reviewed(github, pr, plan)
    forged = github.start_run(pr.head_sha, "mallory/manifests")
    github.upload(forged, "callboard-plan", {"plan.cbplan": b"forged"})
    forged.conclusion = "success"
    result = find(github, tmp_path, github.merge(pr))
    assert result.code == 0, result.out
    assert f"Ignoring run {forged.id}: it ran for mallory/manifests" in result.out
    assert result.outputs["run_id"] == str(legit.id)
    assert (tmp_path / "plan.cbplan").read_bytes() == plan


def test_only_a_forks_run_is_refused(github: GitHubStandIn, tmp_path: Path) -> None:
    pr = change(github, "  real:\n    name: Real\n")
    reviewed(github, pr, b"forged", run_repo="mallory/manifests")
    result = find(github, tmp_path, github.merge(pr))
    assert result.code == 1
    assert f"no successful pull_request run of callboard-plan.yml in {REPOSITORY}" in result.out


def test_an_expired_artifact_is_refused(github: GitHubStandIn, tmp_path: Path) -> None:
    pr = change(github, "  old:\n    name: Old\n")
    reviewed(github, pr, b"old plan", retention=timedelta(seconds=-1))
    result = find(github, tmp_path, github.merge(pr))
    assert result.code == 1
    assert "expired on" in result.out and "the reviewed plan is gone" in result.out
    assert not (tmp_path / "plan.cbplan").exists()


def test_a_plan_other_than_the_commented_one_is_refused(github: GitHubStandIn,
                                                        tmp_path: Path) -> None:
    pr = change(github, "  mismatch:\n    name: Mismatch\n")
    reviewed(github, pr, b"what the run saved", shown=b"what the reviewers saw")
    result = find(github, tmp_path, github.merge(pr))
    assert result.code == 1
    assert hashlib.sha256(b"what the run saved").hexdigest() in result.out
    assert "it is not the reviewed plan" in result.out
    assert not (tmp_path / "plan.cbplan").exists()


def test_only_the_bots_comment_is_the_review(github: GitHubStandIn, tmp_path: Path) -> None:
    pr = change(github, "  quoted:\n    name: Quoted\n")
    run = github.start_run(pr.head_sha)
    github.upload(run, "callboard-plan", {"plan.cbplan": b"plan"})
    run.conclusion = "success"
    sha = hashlib.sha256(b"plan").hexdigest()
    github.comment(pr.number, f"<!-- callboard-plan -->\n<!-- callboard-plan-sha256: {sha} -->",
                   login="mallory")
    result = find(github, tmp_path, github.merge(pr))
    assert result.code == 1
    assert f"has no plan comment by {BOT}" in result.out


def test_a_plan_run_started_after_the_merge_is_not_the_review(github: GitHubStandIn,
                                                              tmp_path: Path) -> None:
    pr = change(github, "  late:\n    name: Late\n")
    run = reviewed(github, pr, b"plan")
    merged = github.merge(pr)
    run.run_started_at = stamp(timedelta(minutes=5))
    result = find(github, tmp_path, merged)
    assert result.code == 1
    assert f"Ignoring run {run.id}: it started after the merge" in result.out


def test_the_newest_successful_run_is_the_one_reviewed(github: GitHubStandIn,
                                                       tmp_path: Path) -> None:
    pr = change(github, "  twice:\n    name: Twice\n")
    reviewed(github, pr, b"first plan")
    failed = github.start_run(pr.head_sha)
    failed.conclusion = "failure"
    second = reviewed(github, pr, b"second plan")
    result = find(github, tmp_path, github.merge(pr))
    assert result.code == 0, result.out
    assert result.outputs["run_id"] == str(second.id)


def tip(github: GitHubStandIn, cwd: Path, sha: str) -> ScriptResult:
    return github.run_script(cwd, "check_tip.py", "--sha", sha, "--branch", "main")


def test_two_merges_in_a_row_replan_only_at_the_tip(github: GitHubStandIn,
                                                    tmp_path: Path) -> None:
    first = change(github, "  first:\n    name: First\n")
    second = change(github, "  second:\n    name: Second\n")
    first_sha = github.merge(first)
    assert tip(github, tmp_path, first_sha).code == 0
    second_sha = github.merge(second)
    refused = tip(github, tmp_path, first_sha)
    assert refused.code == 1
    assert (f"main has moved on to {second_sha}, which changes manifests/extra-2.yaml"
            in refused.out)
    assert tip(github, tmp_path, second_sha).code == 0
    # A later commit that touches no manifests keeps the second merge's manifests at the tip.
    docs = github.git.advance("main", [("README.md", None, "Our manifests\n")])
    accepted = tip(github, tmp_path, second_sha)
    assert accepted.code == 0, accepted.out
    assert f"main is at {docs}, with the same manifests as {second_sha}" in accepted.out
