"""Fetch the plan reviewed on the merge request merged as this commit, or refuse (exit 1).

The apply job runs this after a push to the default branch. It accepts only:

1. the one merge request merged into --branch as this commit (its merge commit, its squash
   commit, or, merged fast-forward, its head), from a branch of this project; a fork's merge
   request, or a push with no merge request, is refused;
2. its plan note by --author (the plan token's user), unchanged since the merge, showing the
   saved plan's SHA-256;
3. the newest successful merge request pipeline of this project (never a fork's) created before
   the merge that has a successful --job;
4. that job's artifact plan.cbplan, not expired, with that SHA-256.

It writes --out and, to --outputs (a dotenv report), CALLBOARD_MR, REVIEWED_SHA256, PLAN_JOB.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import re
import time
from datetime import UTC, datetime
from typing import Any

from gitlab_api import GitLab, Refused, output, quote, run, when

PLAN_MARKER = "<!-- callboard-plan -->"
SHA_MARKER = re.compile(r"<!-- callboard-plan-sha256: ([0-9a-f]{64}) -->")
PLAN_FILE = "plan.cbplan"
Item = dict[str, Any]


def _merged_as(mr: Item, sha: str, branch: str) -> bool:
    made = {mr.get("merge_commit_sha"), mr.get("squash_commit_sha")}
    if not mr.get("merge_commit_sha"):
        made.add(mr.get("sha"))  # fast-forward: the branch moved to the merge request's head
    return mr.get("state") == "merged" and mr.get("target_branch") == branch and sha in made


def merged_request(gl: GitLab, sha: str, branch: str, attempts: int, pause: float) -> Item:
    found: list[Item] = []
    for attempt in range(attempts):
        found = [mr for mr in gl.pages(f"{gl.base}/repository/commits/{sha}/merge_requests")
                 if _merged_as(mr, sha, branch)]
        if found:
            break
        if attempt + 1 < attempts:
            time.sleep(pause)
    if not found:  # the commit's association can lag behind the push: look at recent merges
        recent = gl.pages(f"{gl.base}/merge_requests", {
            "state": "merged", "target_branch": branch, "order_by": "updated_at",
            "sort": "desc"})
        found = [mr for mr in itertools.islice(recent, 200) if _merged_as(mr, sha, branch)]
    if not found:
        raise Refused(f"no merge request was merged into {branch} as {sha}: only a reviewed "
                      "plan is applied, so a direct push is not. Run a pipeline on "
                      f"{branch} by hand to re-plan at its tip behind the manual job.")
    if len(found) > 1:
        raise Refused(f"{sha} is the merge of several merge requests: "
                      + ", ".join(f"!{mr['iid']}" for mr in found))
    mr = found[0]
    if str(mr["source_project_id"]) != str(gl.project) or \
            str(mr["target_project_id"]) != str(gl.project):
        raise Refused(f"merge request !{mr['iid']} came from project {mr['source_project_id']}, "
                      "a fork: a fork's plan is never applied. Re-plan at the tip by hand.")
    return mr


def reviewed_sha256(gl: GitLab, mr: Item, author: str, merged_at: datetime) -> str:
    iid = mr["iid"]
    mine = [n for n in gl.pages(f"{gl.base}/merge_requests/{iid}/notes",
                                {"sort": "asc", "order_by": "created_at"})
            if not n.get("system") and (n.get("body") or "").startswith(PLAN_MARKER)
            and n["author"]["username"] == author]
    if not mine:
        raise Refused(f"merge request !{iid} has no plan note by {author}: no plan was reviewed")
    note = mine[0]
    changed = when(note.get("updated_at"))
    if changed and changed > merged_at:
        raise Refused(f"the plan note on !{iid} changed after the merge: it is not what was "
                      "reviewed")
    found = SHA_MARKER.search(note["body"])
    if not found:
        raise Refused(f"the plan note on !{iid} shows no plan file SHA-256")
    return found.group(1)


def plan_job(gl: GitLab, mr: Item, job_name: str, merged_at: datetime) -> Item:
    pipelines = sorted(gl.pages(f"{gl.base}/merge_requests/{mr['iid']}/pipelines"),
                       key=lambda p: p["id"], reverse=True)
    for pipeline in pipelines:
        created = when(pipeline.get("created_at"))
        if str(pipeline.get("project_id", gl.project)) != str(gl.project):
            print(f"Ignoring pipeline {pipeline['id']}: it ran in project "
                  f"{pipeline['project_id']}, a fork.")
        elif pipeline.get("source") != "merge_request_event" or pipeline["status"] != "success":
            continue
        elif created and created > merged_at:
            print(f"Ignoring pipeline {pipeline['id']}: it was created after the merge.")
        else:
            jobs = [j for j in gl.pages(f"{gl.base}/pipelines/{pipeline['id']}/jobs")
                    if j["name"] == job_name and j["status"] == "success"]
            if jobs:
                return max(jobs, key=lambda j: j["id"])
    raise Refused(f"no successful merge request pipeline of this project ran the {job_name} "
                  f"job for !{mr['iid']} before the merge")


def plan_file(gl: GitLab, job: Item, now: datetime) -> bytes:
    expires = when(job.get("artifacts_expire_at"))
    if expires and expires <= now:
        raise Refused(f"the artifacts of job {job['id']} expired on "
                      f"{job['artifacts_expire_at']}: the reviewed plan is gone")
    return gl.download(f"{gl.base}/jobs/{job['id']}/artifacts/{quote(PLAN_FILE)}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sha", default=os.environ.get("CI_COMMIT_SHA"))
    parser.add_argument("--branch", default=os.environ.get("CI_DEFAULT_BRANCH", "main"))
    parser.add_argument("--author", default=os.environ.get("CALLBOARD_PLAN_BOT"),
                        help="username of the token the plan job posts notes with")
    parser.add_argument("--job", default="plan")
    parser.add_argument("--out", default=PLAN_FILE)
    parser.add_argument("--outputs", help="dotenv file for later jobs")
    parser.add_argument("--attempts", type=int, default=3)
    parser.add_argument("--pause", type=float,
                        default=float(os.environ.get("CALLBOARD_LOOKUP_PAUSE", 5)))
    args = parser.parse_args(argv)
    if not args.sha or not args.author:
        raise Refused("--sha (CI_COMMIT_SHA) and --author (CALLBOARD_PLAN_BOT) are needed")
    gl = GitLab.from_env()
    mr = merged_request(gl, args.sha, args.branch, args.attempts, args.pause)
    output(args.outputs, CALLBOARD_MR=mr["iid"])
    merged_at = when(mr.get("merged_at"))
    assert merged_at is not None
    expected = reviewed_sha256(gl, mr, args.author, merged_at)
    job = plan_job(gl, mr, args.job, merged_at)
    blob = plan_file(gl, job, datetime.now(UTC))
    actual = hashlib.sha256(blob).hexdigest()
    if actual != expected:
        raise Refused(f"the plan saved by job {job['id']} has SHA-256 {actual}, but the plan "
                      f"note on !{mr['iid']} shows {expected}: it is not the reviewed plan")
    with open(args.out, "wb") as out:
        out.write(blob)
    output(args.outputs, REVIEWED_SHA256=actual, PLAN_JOB=job["id"])
    print(f"The plan reviewed on !{mr['iid']} (job {job['id']}), SHA-256 {actual}, saved to "
          f"{args.out}.")
    return 0


if __name__ == "__main__":
    run(main)
