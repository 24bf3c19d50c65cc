"""The GitHub Actions recipe's workflows, run job by job as GitHub would, in the order a team's
repository triggers them: against a served emulator, PostgreSQL state with a read-only plan
role, and a loopback GitHub stand-in holding the pull requests, runs, artifacts and comments.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pipelines.conftest import (
    PASSWORD,
    TOKEN,
    Emulator,
    StateUrls,
    ran_days_ago,
    secrets_for,
    written_back,
)
from tests.pipelines.github_pipelines import GitHubPipelines
from tests.pipelines.github_standin import BOT, GitHubStandIn, PullRequest
from tests.sync_edges.smtp_server import Mailbox, smtp_server

TAGS = "manifests/tags.yaml"
MEMBERS = 'Current members, synced from Tessitura\'s "Members - Current" list'
SHA_MARKER = re.compile(r"<!-- callboard-plan-sha256: ([0-9a-f]{64}) -->")


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as served:
        yield served


@pytest.fixture
def pipelines(github: GitHubStandIn, emulator: Emulator, state: StateUrls, mailbox: Mailbox,
              tmp_path: Path) -> GitHubPipelines:
    secrets = {**secrets_for(emulator, state),
               "CALLBOARD_SMTP_URL": f"smtp://127.0.0.1:{mailbox.port}"}
    return GitHubPipelines(github, secrets, tmp_path)


def describe(github: GitHubStandIn, old: str, new: str) -> PullRequest:
    """A pull request changing one description in tags.yaml, branched from main's tip."""
    return github.open_pull([(TAGS, old, new)])


def bodies(github: GitHubStandIn, pr: PullRequest, marker: str) -> list[str]:
    return [c.body for c in github.comments_on(pr.number)
            if c.body.startswith(f"<!-- {marker} -->") and c.login == BOT]


def test_pull_request_merge_nightly_and_cron(github: GitHubStandIn, emulator: Emulator,
                                             pipelines: GitHubPipelines, state: StateUrls,
                                             mailbox: Mailbox) -> None:
    pr = describe(github, "Monthly newsletter readers", "Monthly newsletter (reviewed)")
    planned = pipelines.pull_request(pr)
    plan_job = planned.job("plan")
    assert plan_job.result == "success", plan_job.log
    assert [s.outcome for s in plan_job.steps][0] == "skipped"  # not a fork
    [comment] = bodies(github, pr, "callboard-plan")
    [artifact] = [a for a in github.artifacts.values() if a.run is planned.run]
    shown = SHA_MARKER.search(comment)
    assert shown and f"Plan file SHA-256: `{shown.group(1)}`" in comment
    assert artifact.name == "callboard-plan"
    saved = (plan_job.workspace / "plan.cbplan").read_bytes()
    assert shown.group(1) == hashlib.sha256(saved).hexdigest()
    assert (plan_job.workspace / "step-summary.md").read_text().startswith(
        "<!-- callboard-plan -->")
    # What a pull request's plan job holds cannot apply: the plan role only reads the state.
    denied = run_in(plan_job.workspace, emulator, state.plan, "callboard", "apply", "plan.cbplan")
    assert denied.returncode == 1, denied.stderr
    assert emulator.tag("Member - Active") is None
    recorded = run_in(plan_job.workspace, emulator, state.apply, "callboard", "state", "list")
    assert (recorded.returncode, recorded.stdout) == (0, "")

    merged = pipelines.push(github.merge(pr, "squash"))
    apply_job = merged.job("apply")
    assert apply_job.result == "success", apply_job.log
    assert "Apply complete" in apply_job.log
    assert "Nothing left to apply" in apply_job.log
    assert {"replan", "approve-replan", "apply-replanned"} <= {
        k for k, j in merged.result.jobs.items() if j.result == "skipped"}
    [status] = bodies(github, pr, "callboard-apply")
    assert f"Applied exactly the reviewed plan (SHA-256 `{shown.group(1)}`)" in status
    assert emulator.tag("Newsletter")["description"] == "Monthly newsletter (reviewed)"
    assert bodies(github, pr, "callboard-plan") == [comment]  # the reviewed comment stays

    # Someone edits a tag by hand just as an apply finishes: its last check fails, saying what.
    emulator.edit_tag("Newsletter", "Edited by hand in Prospect2")
    left = run_in(apply_job.workspace, emulator, state.plan, "bash",
                  ".github/callboard/converged.sh")
    assert left.returncode == 1
    assert "After the apply, the plan still has changes" in left.stdout
    assert "`tags.newsletter`" in left.stdout
    drifted = pipelines.schedule("callboard-drift.yml")
    assert drifted.job("drift").result == "success", drifted.job("drift").log
    [issue] = github.issues.values()
    assert issue.body.startswith("<!-- callboard-drift -->") and "tags.newsletter" in issue.body
    assert pipelines.schedule("callboard-drift.yml").job("drift").result == "success"
    assert len(github.issues) == 1

    # A subscription campaign goes out: the scheduled sync job writes it back, exactly once.
    sent = emulator.control("campaigns/send", {"name": "SUBS Autumn Gala", "recipients": 25})
    synced = pipelines.schedule("callboard-sync.yml").job("sync")
    assert synced.result == "success", synced.log
    assert [s.outcome for s in synced.steps[-2:]] == ["success", "success"]
    inserted = written_back(synced.steps[-1].out, sent["campaignId"], "SUBS Autumn Gala")
    [source] = emulator.written_back("SUBS Autumn Gala")
    assert source["NumContacts"] == inserted > 0
    again = pipelines.schedule("callboard-sync.yml").job("sync")
    assert again.result == "success", again.log
    assert "No sent campaign needed writing back." in again.steps[-1].out
    assert emulator.written_back("SUBS Autumn Gala") == [source]

    # The members sync's tag is deleted in Prospect2 and its daily run comes round: the sync
    # step fails, saying so; the campaigns sent meanwhile are still written back, and the run
    # fails.
    emulator.prospect2("DELETE", f"/tags/{emulator.tag('Member - Active')['id']}")
    ran_days_ago(state.apply, "data_syncs.members", 2)
    later = emulator.control("campaigns/send", {"name": "SUBS Winter", "recipients": 10})
    broken = pipelines.schedule("callboard-sync.yml")
    assert broken.result.conclusion == "failure", broken.job("sync").log
    sync_step, writeback_step = broken.job("sync").steps[-2:]
    assert sync_step.outcome == "failure"
    assert ("data_syncs.members: failed: its tag 'Member - Active' no longer exists in "
            "Prospect2") in sync_step.out
    assert "1 of 1 sync runs did not succeed: data_syncs.members" in sync_step.err
    assert writeback_step.outcome == "success", writeback_step.err
    assert written_back(writeback_step.out, later["campaignId"], "SUBS Winter") > 0
    assert len(emulator.written_back("SUBS Winter")) == 1

    for launched in pipelines.launched:
        assert launched.runner.missing_secrets == set(), launched.workflow
    everything = pipelines.logs() + "".join(c.body for c in github.comments)
    assert TOKEN not in everything and PASSWORD not in everything


def test_two_merges_in_a_row_the_second_plan_is_refused(github: GitHubStandIn,
                                                        emulator: Emulator,
                                                        pipelines: GitHubPipelines) -> None:
    """Both pull requests were planned against the same main and merged one after the other.
    The second's plan lacks the first's change: made from manifests main no longer has, it is
    refused (exit 3), and with the default CALLBOARD_ON_STALE=fail nothing is applied."""
    first = describe(github, "Monthly newsletter readers", "Newsletter (first)")
    second = describe(github, MEMBERS, "Members (second)")
    assert pipelines.pull_request(first).result.conclusion == "success"
    assert pipelines.pull_request(second).result.conclusion == "success"
    github.merge(first, "merge")
    refused = pipelines.push(github.merge(second, "rebase"))
    apply_job = refused.job("apply")
    assert apply_job.result == "failure", apply_job.log
    assert "was made from other manifests than the ones in" in apply_job.log
    assert "(exit 3)" in apply_job.log and "CALLBOARD_ON_STALE is fail" in apply_job.log
    assert refused.job("replan").result == "skipped"
    [status] = bodies(github, second, "callboard-apply")
    assert status.startswith("<!-- callboard-apply -->\n**Not applied**")
    assert emulator.tag("Member - Active") is None


def test_three_merges_in_a_row_replan_only_at_the_tip(github: GitHubStandIn,
                                                      emulator: Emulator,
                                                      pipelines: GitHubPipelines) -> None:
    """CALLBOARD_ON_STALE=replan: a refused plan is re-planned only at the tip of main, shown
    as a new comment, and applied only after approval; no merge is skipped."""
    first = describe(github, "Monthly newsletter readers", "Newsletter (first)")
    second = describe(github, MEMBERS, "Members (second)")
    third = describe(github, "Asked for post-show feedback by the feedback automation",
                     "Feedback (third)")
    for pr in (first, second, third):
        assert pipelines.pull_request(pr).result.conclusion == "success"
    reviewed_second = bodies(github, second, "callboard-plan")

    # Three merges in quick succession. GitHub keeps one pending run per concurrency group,
    # so the third merge's run replaces the second's while the first's runs.
    first_sha, second_sha = github.merge(first), github.merge(second, "squash")
    third_sha = github.merge(third, "rebase")
    assert pipelines.push(first_sha, on_stale="replan").job("apply").result == "success"

    # Had the second run started anyway: its plan is refused, and it re-plans only at the tip.
    stale = pipelines.push(second_sha, on_stale="replan")
    assert stale.job("apply").result == "success"
    assert "was made from other manifests" in stale.job("apply").log
    assert stale.job("replan").result == "failure"
    assert f"main has moved on to {third_sha}" in stale.job("replan").log
    assert stale.job("approve-replan").result == "skipped"
    assert bodies(github, second, "callboard-plan") == reviewed_second

    # The third run re-plans at the tip, with the second merge in it, and waits for approval.
    latest = pipelines.push(third_sha, on_stale="replan")
    assert latest.job("apply").result == "success", latest.job("apply").log
    assert latest.job("replan").result == "success", latest.job("replan").log
    assert latest.result.waiting == "approve-replan"
    [replan] = bodies(github, third, "callboard-replan")
    # The third's reviewed plan was made before anything was applied: it created the tag the
    # second changed. The re-plan updates it, with the second merge's description.
    assert "**No longer planned** (already done, or undone by a later merge):" in replan
    assert ("`~` `tags.members-active` update (`description`): reviewed as create"
            in replan)
    assert "approval in the `callboard-replan` environment" in replan
    assert emulator.tag("Member - Active")["description"] != "Members (second)"

    latest.approve("callboard-replan")
    applied = latest.job("apply-replanned")
    assert applied.result == "success", applied.log
    assert "Nothing left to apply" in applied.log
    assert emulator.tag("Member - Active")["description"] == "Members (second)"
    assert emulator.tag("Feedback - Requested")["description"] == "Feedback (third)"
    [status] = bodies(github, third, "callboard-apply")
    assert "Applied the approved re-plan" in status


def test_workflow_dispatch_replans_main_only(github: GitHubStandIn, emulator: Emulator,
                                             pipelines: GitHubPipelines) -> None:
    github.git.branches["feature"] = github.git.advance("main", [("README.md", None, "x\n")])
    elsewhere = pipelines.dispatch("callboard-apply.yml", branch="feature")
    assert elsewhere.job("main-only").result == "failure"
    assert "runs only on main, not on refs/heads/feature" in elsewhere.job("main-only").log
    assert {j.result for k, j in elsewhere.result.jobs.items() if k != "main-only"} == {
        "skipped"}

    on_main = pipelines.dispatch("callboard-apply.yml")
    assert on_main.job("apply").result == "skipped"
    assert on_main.job("replan").result == "success", on_main.job("replan").log
    assert on_main.result.waiting == "approve-replan"
    assert emulator.tag("Member - Active") is None  # nothing is applied before approval


def test_a_push_without_a_pull_request_applies_nothing(github: GitHubStandIn,
                                                       emulator: Emulator,
                                                       pipelines: GitHubPipelines) -> None:
    pushed = github.git.advance("main", [(TAGS, "Monthly newsletter readers", "Pushed")])
    run = pipelines.push(pushed, on_stale="replan")
    assert run.job("apply").result == "failure"
    assert "no pull request was merged into main" in run.job("apply").log
    assert run.job("replan").result == "skipped"
    assert emulator.tag("Member - Active") is None


def test_a_merge_queue_checks_the_plan_without_keeping_it(github: GitHubStandIn,
                                                           pipelines: GitHubPipelines) -> None:
    pr = describe(github, "Monthly newsletter readers", "Queued")
    queued = pipelines.merge_group(pr)
    plan_job = queued.job("plan")
    assert plan_job.result == "success", plan_job.log
    assert "### Callboard plan" in (plan_job.workspace / "step-summary.md").read_text()
    assert not github.artifacts and not github.comments


def test_a_forks_pull_request_is_not_planned(github: GitHubStandIn,
                                             pipelines: GitHubPipelines) -> None:
    pr = describe(github, "Monthly newsletter readers", "From a fork")
    pr.head_repo = "mallory/manifests"
    planned = pipelines.pull_request(pr)
    plan_job = planned.job("plan")
    assert plan_job.result == "failure"
    assert "comes from mallory/manifests" in plan_job.log
    assert {s.outcome for s in plan_job.steps[1:]} == {"skipped"}
    assert not github.artifacts and not github.comments


def run_in(workspace: Path, emulator: Emulator, state_url: str,
           *command: str) -> subprocess.CompletedProcess[str]:
    """A command in a job's workspace, with the services' credentials and ``state_url``."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "NO_COLOR": "1", "CALLBOARD_STATE": state_url,
           "PROSPECT2_URL": f"{emulator.base}/api/3", "PROSPECT2_API_TOKEN": TOKEN,
           "TESSITURA_URL": f"{emulator.base}/TessituraService", "TESSITURA_USER": "callboard",
           "TESSITURA_USERGROUP": "admin", "TESSITURA_LOCATION": "emulator",
           "TESSITURA_PASSWORD": PASSWORD}
    return subprocess.run(list(command), cwd=workspace, env=env, text=True,
                          capture_output=True, timeout=180)
