"""The GitLab recipe's scripts against a loopback stand-in of GitLab's REST API (v4)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest

from tests.pipelines.forge_http import stamp
from tests.pipelines.gitlab_standin import (
    FORK,
    PERSON,
    PLAN_BOT,
    PLAN_TOKEN,
    PROJECT,
    USERS,
    GitLabStandIn,
    Issue,
    MergeRequest,
    Pipeline,
)
from tests.pipelines.script_run import GITHUB_SCRIPTS, GITLAB_SCRIPTS, ScriptResult

PLAN = "<!-- callboard-plan -->"
DRIFT = "<!-- callboard-drift -->"


def find(gitlab: GitLabStandIn, cwd: Path, sha: str) -> ScriptResult:
    return gitlab.run_script(cwd, "saved_plan.py", "--sha", sha, "--pause", "0")


def change(gitlab: GitLabStandIn, name: str, source: int = PROJECT) -> MergeRequest:
    return gitlab.open_mr([(f"manifests/{name}.yaml", None, f"tags:\n  {name}:\n    name: x\n")],
                          source)


def reviewed(gitlab: GitLabStandIn, mr: MergeRequest, plan: bytes, project: int = PROJECT,
             shown: bytes | None = None, expire_in: timedelta = timedelta(days=14)) -> Pipeline:
    """A successful merge request pipeline whose plan job saved ``plan``, and its note."""
    pipeline = gitlab.start_pipeline(mr.sha, f"refs/merge-requests/{mr.iid}/head",
                                     "merge_request_event", mr.iid, project)
    gitlab.add_job(pipeline, "plan", "success", {"plan.cbplan": plan}, expire_in)
    pipeline.status = "success"
    sha = hashlib.sha256(shown if shown is not None else plan).hexdigest()
    body = f"{PLAN}\n<!-- callboard-plan-sha256: {sha} -->\nPlan file SHA-256: `{sha}`\n"
    mine = [n for n in gitlab.notes_on("mr", mr.iid) if n.author["username"] == PLAN_BOT]
    if mine:
        mine[0].body, mine[0].updated_at = body, stamp()
    else:
        gitlab.note(mr.iid, body, USERS[PLAN_TOKEN])
    return pipeline


@pytest.mark.parametrize("how", ["merge", "squash", "ff"])
def test_each_merge_method_finds_the_reviewed_plan(gitlab: GitLabStandIn, tmp_path: Path,
                                                   how: str) -> None:
    mr = change(gitlab, "from-mr")
    if how == "ff":
        gitlab.git.advance("main", [("README.md", None, "meanwhile\n")])
        gitlab.rebase(mr)  # fast-forward merges need the branch on main's tip
    pipeline = reviewed(gitlab, mr, b"the reviewed plan")
    result = find(gitlab, tmp_path, gitlab.merge(mr, how))
    assert result.code == 0, result.out + result.err
    assert (tmp_path / "plan.cbplan").read_bytes() == b"the reviewed plan"
    assert result.outputs == {"CALLBOARD_MR": str(mr.iid), "REVIEWED_SHA256": hashlib.sha256(
        b"the reviewed plan").hexdigest(), "PLAN_JOB": str(pipeline.jobs[0].id)}


def test_a_merge_not_yet_associated_is_found_among_recent_merges(gitlab: GitLabStandIn,
                                                                 tmp_path: Path) -> None:
    mr = change(gitlab, "lagging")
    reviewed(gitlab, mr, b"plan")
    result = find(gitlab, tmp_path, gitlab.merge(mr, "squash", associate=False))
    assert result.code == 0, result.out
    assert result.outputs["CALLBOARD_MR"] == str(mr.iid)


def test_a_direct_push_is_refused(gitlab: GitLabStandIn, tmp_path: Path) -> None:
    pushed = gitlab.git.advance("main", [("manifests/tags.yaml", None, "tags: {}\n")])
    result = find(gitlab, tmp_path, pushed)
    assert result.code == 1
    assert f"ERROR: no merge request was merged into main as {pushed}" in result.out
    assert not (tmp_path / "plan.cbplan").exists()


def test_a_forks_merge_request_is_refused(gitlab: GitLabStandIn, tmp_path: Path) -> None:
    mr = change(gitlab, "forked", source=FORK)
    reviewed(gitlab, mr, b"forged plan")
    result = find(gitlab, tmp_path, gitlab.merge(mr))
    assert result.code == 1
    assert f"!{mr.iid} came from project {FORK}, a fork" in result.out


def test_a_forks_pipeline_is_never_used(gitlab: GitLabStandIn, tmp_path: Path) -> None:
    mr = change(gitlab, "real")
    legit = reviewed(gitlab, mr, b"the reviewed plan")
    forged = gitlab.start_pipeline(mr.sha, f"refs/merge-requests/{mr.iid}/head",
                                   "merge_request_event", mr.iid, FORK)
    gitlab.add_job(forged, "plan", "success", {"plan.cbplan": b"forged"})
    forged.status = "success"
    result = find(gitlab, tmp_path, gitlab.merge(mr))
    assert result.code == 0, result.out
    assert f"Ignoring pipeline {forged.id}: it ran in project {FORK}, a fork." in result.out
    assert result.outputs["PLAN_JOB"] == str(legit.jobs[0].id)


def test_an_expired_artifact_is_refused(gitlab: GitLabStandIn, tmp_path: Path) -> None:
    mr = change(gitlab, "old")
    reviewed(gitlab, mr, b"old plan", expire_in=timedelta(seconds=-1))
    result = find(gitlab, tmp_path, gitlab.merge(mr))
    assert result.code == 1
    assert "expired on" in result.out and "the reviewed plan is gone" in result.out


def test_a_plan_other_than_the_noted_one_is_refused(gitlab: GitLabStandIn,
                                                    tmp_path: Path) -> None:
    mr = change(gitlab, "mismatch")
    reviewed(gitlab, mr, b"what the job saved", shown=b"what the reviewers saw")
    result = find(gitlab, tmp_path, gitlab.merge(mr))
    assert result.code == 1
    assert "it is not the reviewed plan" in result.out
    assert not (tmp_path / "plan.cbplan").exists()


def test_only_the_plan_bots_note_is_the_review(gitlab: GitLabStandIn, tmp_path: Path) -> None:
    mr = change(gitlab, "quoted")
    reviewed(gitlab, mr, b"plan")
    for note in gitlab.notes_on("mr", mr.iid):
        note.author = PERSON
    result = find(gitlab, tmp_path, gitlab.merge(mr))
    assert result.code == 1
    assert f"has no plan note by {PLAN_BOT}" in result.out


def test_the_plan_note_on_a_later_page_is_updated_not_repeated(gitlab: GitLabStandIn,
                                                               tmp_path: Path) -> None:
    for n in range(150):
        gitlab.note(3, f"remark {n}", PERSON)
    gitlab.note(3, "added a commit", PERSON, system=True)
    mine = gitlab.note(3, f"{PLAN}\nfirst", USERS[PLAN_TOKEN])
    quoted = gitlab.note(3, f"{PLAN}\nquoted", PERSON)
    (tmp_path / "plan.md").write_text(f"{PLAN}\nsecond")
    result = gitlab.run_script(tmp_path, "note.py", "--mr", "3", "--marker", "callboard-plan",
                    "--body-file", "plan.md", token=PLAN_TOKEN)
    assert result.code == 0, result.out
    assert (mine.body, quoted.body) == (f"{PLAN}\nsecond", f"{PLAN}\nquoted")
    assert len(gitlab.notes_on("mr", 3)) == 153
    assert result.outputs["CALLBOARD_NOTE"] == str(mine.id)
    (tmp_path / "replan.md").write_text("### Re-planned")
    assert gitlab.run_script(tmp_path, "note.py", "--mr", "3", "--marker", "callboard-replan",
                  "--body-file", "replan.md", token=PLAN_TOKEN).code == 0
    assert mine.body == f"{PLAN}\nsecond"
    assert gitlab.notes_on("mr", 3)[-1].body == "<!-- callboard-replan -->\n### Re-planned"


def drift(gitlab: GitLabStandIn, cwd: Path, found: bool, text: str = "") -> ScriptResult:
    (cwd / "drift.md").write_text(text)
    return gitlab.run_script(cwd, "drift_issue.py", "--found", str(found).lower(), "--report",
                  "drift.md", "--job-url", "https://gitlab.example/job/9", token=PLAN_TOKEN)


def test_one_drift_issue_however_many_runs_raced(gitlab: GitLabStandIn, tmp_path: Path) -> None:
    plan_bot = USERS[PLAN_TOKEN]
    for n in range(130):
        gitlab.issues[500 + n] = Issue(500 + n, "other", "", plan_bot, ["callboard-drift"])
    older = gitlab.issues[11] = Issue(11, "d", f"{DRIFT}\nold", plan_bot, ["callboard-drift"])
    newer = gitlab.issues[12] = Issue(12, "d", f"{DRIFT}\nrace", plan_bot, ["callboard-drift"])
    by_person = gitlab.issues[13] = Issue(13, "d", f"{DRIFT}\nme", PERSON, ["callboard-drift"])
    result = drift(gitlab, tmp_path, True, "### Drift: 3 changed")
    assert result.code == 0, result.out
    assert result.outputs["CALLBOARD_DRIFT_ISSUE"] == "11"
    assert "3 changed" in older.description
    assert (newer.state, by_person.state) == ("closed", "opened")
    assert [n.body for n in gitlab.notes_on("issue", 12)] == ["Duplicate of #11."]
    clean = drift(gitlab, tmp_path, False)
    assert clean.code == 0 and older.state == "closed"


def test_drift_opens_a_labelled_issue(gitlab: GitLabStandIn, tmp_path: Path) -> None:
    assert drift(gitlab, tmp_path, True, "### Drift").code == 0
    assert drift(gitlab, tmp_path, True, "### Drift again").code == 0
    [issue] = gitlab.issues.values()
    assert issue.labels == ["callboard-drift"] and issue.description.endswith("Drift again")


def test_applies_wait_oldest_first_or_refuse(gitlab: GitLabStandIn, tmp_path: Path) -> None:
    refused = gitlab.run_script(tmp_path, "check_resource_group.py", "callboard-apply",
                             outputs=False)
    assert refused.code == 1
    assert "runs its jobs unordered, not oldest_first" in refused.out
    assert "--data process_mode=oldest_first" in refused.out
    gitlab.resource_groups["callboard-apply"] = "oldest_first"
    assert gitlab.run_script(tmp_path, "check_resource_group.py", "callboard-apply",
                             outputs=False).code == 0


def tip(gitlab: GitLabStandIn, cwd: Path, sha: str) -> ScriptResult:
    return gitlab.run_script(cwd, "check_tip.py", "--sha", sha, outputs=False)


def test_two_merges_in_a_row_replan_only_at_the_tip(gitlab: GitLabStandIn,
                                                    tmp_path: Path) -> None:
    first, second = change(gitlab, "first"), change(gitlab, "second")
    first_sha = gitlab.merge(first)
    second_sha = gitlab.merge(second, "squash")
    refused = tip(gitlab, tmp_path, first_sha)
    assert refused.code == 1
    assert f"main has moved on to {second_sha}, which changes manifests/second.yaml" in \
        refused.out
    assert tip(gitlab, tmp_path, second_sha).code == 0
    gitlab.git.advance("main", [("README.md", None, "docs\n")])
    assert tip(gitlab, tmp_path, second_sha).code == 0


def test_both_recipes_carry_the_same_platform_neutral_scripts() -> None:
    for name in ("plan_diff.py", "converged.sh"):
        assert (GITLAB_SCRIPTS / name).read_text() == (GITHUB_SCRIPTS / name).read_text(), name
