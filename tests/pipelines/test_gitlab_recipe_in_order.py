"""The GitLab CI recipe's pipeline, run job by job as GitLab would, in the order a project's
merge requests, merges and schedules trigger it: against a served emulator, PostgreSQL state
with a read-only plan role, and a loopback GitLab stand-in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.pipelines.conftest import (
    PASSWORD,
    TOKEN,
    Emulator,
    StateUrls,
    gitlab_variables,
    ran_days_ago,
    written_back,
)
from tests.pipelines.gitlab_pipelines import GitLabPipelines
from tests.pipelines.gitlab_standin import (
    APPLY_TOKEN,
    FORK,
    PLAN_BOT,
    PLAN_TOKEN,
    USERS,
    GitLabStandIn,
    MergeRequest,
)

TAGS = "manifests/tags.yaml"
MEMBERS = 'Current members, synced from Tessitura\'s "Members - Current" list'


@pytest.fixture
def pipelines(gitlab: GitLabStandIn, emulator: Emulator, state: StateUrls,
              tmp_path: Path) -> GitLabPipelines:
    gitlab.resource_groups["callboard-apply"] = "oldest_first"  # set once, as README says
    variables = gitlab_variables(emulator, state, PLAN_TOKEN, APPLY_TOKEN, PLAN_BOT)
    return GitLabPipelines(gitlab, variables, tmp_path)


def describe(gitlab: GitLabStandIn, old: str, new: str) -> MergeRequest:
    return gitlab.open_mr([(TAGS, old, new)])


def notes(gitlab: GitLabStandIn, mr: MergeRequest, marker: str) -> list[str]:
    return [n.body for n in gitlab.notes_on("mr", mr.iid)
            if n.body.startswith(f"<!-- {marker} -->")]


def merge_and_push(gitlab: GitLabStandIn, pipelines: GitLabPipelines, mr: MergeRequest,
                   how: str = "merge", on_stale: str | None = None):  # noqa: ANN201
    before = gitlab.git.branches["main"]
    return pipelines.push(gitlab.merge(mr, how), before, on_stale)


def test_merge_request_merge_nightly_and_cron(gitlab: GitLabStandIn, emulator: Emulator,
                                              pipelines: GitLabPipelines,
                                              state: StateUrls) -> None:
    mr = describe(gitlab, "Monthly newsletter readers", "Monthly newsletter (reviewed)")
    planned = pipelines.merge_request(mr)
    assert set(planned.result.jobs) == {"plan"}
    assert planned.job("plan").status == "success", planned.job("plan").log
    [note] = notes(gitlab, mr, "callboard-plan")
    assert "<!-- callboard-plan-sha256: " in note
    assert gitlab.notes_on("mr", mr.iid)[0].author == USERS[PLAN_TOKEN]

    merged = merge_and_push(gitlab, pipelines, mr, "squash")
    assert set(merged.result.jobs) == {"apply"}  # CALLBOARD_ON_STALE=fail: no re-plan jobs
    apply = merged.job("apply")
    assert apply.status == "success", apply.log
    assert "Apply complete" in apply.log and "Nothing left to apply" in apply.log
    [status] = notes(gitlab, mr, "callboard-apply")
    assert "Applied exactly the reviewed plan" in status
    assert emulator.tag("Newsletter")["description"] == "Monthly newsletter (reviewed)"

    emulator.edit_tag("Newsletter", "Edited by hand")
    drifted = pipelines.schedule("drift")
    assert drifted.job("drift").status == "success", drifted.job("drift").log
    [issue] = gitlab.issues.values()
    assert issue.labels == ["callboard-drift"] and "tags.newsletter" in issue.description

    # A subscription campaign goes out: the scheduled sync job writes it back, exactly once.
    sent = emulator.control("campaigns/send", {"name": "SUBS Autumn Gala", "recipients": 25})
    synced = pipelines.schedule("sync").job("sync")
    assert synced.status == "success", synced.log
    inserted = written_back(synced.log, sent["campaignId"], "SUBS Autumn Gala")
    [source] = emulator.written_back("SUBS Autumn Gala")
    assert source["NumContacts"] == inserted > 0
    again = pipelines.schedule("sync").job("sync")
    assert again.status == "success", again.log
    assert "No sent campaign needed writing back." in again.log
    assert emulator.written_back("SUBS Autumn Gala") == [source]

    # The members sync's tag is deleted in Prospect2 and its daily run comes round: the sync
    # fails, saying so; the campaigns sent meanwhile are still written back, and the job fails.
    emulator.prospect2("DELETE", f"/tags/{emulator.tag('Member - Active')['id']}")
    ran_days_ago(state.apply, "data_syncs.members", 2)
    later = emulator.control("campaigns/send", {"name": "SUBS Winter", "recipients": 10})
    broken = pipelines.schedule("sync").job("sync")
    assert broken.status == "failed"
    assert "its tag 'Member - Active' no longer exists in Prospect2" in broken.log
    assert written_back(broken.log, later["campaignId"], "SUBS Winter") > 0
    assert len(emulator.written_back("SUBS Winter")) == 1

    everything = pipelines.logs() + "".join(n.body for n in gitlab.notes)
    assert TOKEN not in everything and PASSWORD not in everything
    assert APPLY_TOKEN not in everything


def test_a_stale_plan_is_replanned_at_the_tip_by_the_manual_job(
        gitlab: GitLabStandIn, emulator: Emulator, pipelines: GitLabPipelines) -> None:
    first = describe(gitlab, "Monthly newsletter readers", "Newsletter (first)")
    second = describe(gitlab, MEMBERS, "Members (second)")
    assert pipelines.merge_request(first).job("plan").status == "success"
    assert pipelines.merge_request(second).job("plan").status == "success"
    assert merge_and_push(gitlab, pipelines, first).job("apply").status == "success"

    refused = merge_and_push(gitlab, pipelines, second, "squash")
    assert refused.job("apply").status == "failed"
    assert "was made from other manifests" in refused.job("apply").log
    assert "CALLBOARD_ON_STALE is fail, so nothing was applied" in refused.job("apply").log
    assert notes(gitlab, second, "callboard-apply")[0].startswith(
        "<!-- callboard-apply -->\n**Not applied**")

    third = describe(gitlab, "Asked for post-show feedback by the feedback automation",
                     "Feedback (third)")
    gitlab.git.advance("main", [("README.md", None, "docs\n")])  # no manifests: tip still fine
    before = gitlab.git.branches["main"]
    gitlab.rebase(third)
    assert pipelines.merge_request(third).job("plan").status == "success"
    # The rebased plan holds the second merge's change too; someone edits that tag by hand
    # before the merge, so the reviewed plan is stale (a planned live object changed).
    emulator.edit_tag("Member - Active", "Edited by hand while the merge request waited")
    stale = pipelines.push(gitlab.merge(third, "ff"), before, on_stale="replan")
    assert stale.job("apply").status == "allowed_failure", stale.job("apply").log
    assert "changed since" in stale.job("apply").log
    assert stale.job("replan").status == "success", stale.job("replan").log
    assert stale.job("apply-replanned").status == "manual"
    [replan] = notes(gitlab, third, "callboard-replan")
    assert re.search(r"\*\*Planned differently\*\*:\n- `~` `tags.members-active` update", replan)
    assert "applied only by the manual job apply-replanned" in replan
    assert notes(gitlab, third, "callboard-plan")[0].count("callboard-plan-sha256") == 1
    assert emulator.tag("Member - Active")["description"].startswith("Edited by hand")

    stale.play("apply-replanned")
    applied = stale.job("apply-replanned")
    assert applied.status == "success", applied.log
    assert "Nothing left to apply" in applied.log
    assert emulator.tag("Member - Active")["description"] == "Members (second)"
    assert emulator.tag("Feedback - Requested")["description"] == "Feedback (third)"
    assert emulator.tag("Newsletter")["description"] == "Newsletter (first)"


def test_pipelines_run_only_where_they_should(gitlab: GitLabStandIn,
                                              pipelines: GitLabPipelines) -> None:
    forked = gitlab.open_mr([(TAGS, "Monthly newsletter readers", "From a fork")], FORK)
    fork_run = pipelines.merge_request(forked)
    assert set(fork_run.result.jobs) == {"fork"} and fork_run.job("fork").status == "failed"
    assert not gitlab.notes
    docs = gitlab.open_mr([("README.md", None, "docs only\n")])
    assert not pipelines.merge_request(docs).result.created
    gitlab.git.branches["feature"] = gitlab.git.branches["main"]
    assert not pipelines.web("feature").result.created


def test_applies_refuse_an_unordered_resource_group(gitlab: GitLabStandIn, emulator: Emulator,
                                                    pipelines: GitLabPipelines) -> None:
    gitlab.resource_groups["callboard-apply"] = "unordered"
    mr = describe(gitlab, "Monthly newsletter readers", "Ordered")
    assert pipelines.merge_request(mr).job("plan").status == "success"
    merged = merge_and_push(gitlab, pipelines, mr)
    assert merged.job("apply").status == "failed"
    assert "--data process_mode=oldest_first" in merged.job("apply").log
    assert emulator.tag("Member - Active") is None
