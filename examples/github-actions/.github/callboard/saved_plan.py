"""Fetch the plan reviewed on the pull request merged as this commit, or refuse (exit 1).

callboard-apply.yml runs this after a push to main. It accepts only:

1. the one pull request merged into --branch as this commit (merge, squash or rebase: GitHub's
   ``merge_commit_sha`` is the commit the branch moved to), from a branch of this repository;
   a fork's pull request, or a push with no pull request, is refused;
2. its plan comment by --author (the workflow token's identity), unchanged since the merge,
   showing the saved plan's SHA-256;
3. the newest successful ``pull_request`` run of --workflow for the pull request's head commit,
   run in this repository (never a fork's run) and started before the merge;
4. that run's ``callboard-plan`` artifact, not expired, whose plan file has that SHA-256.

It writes --out and the step outputs ``pr``, ``sha256`` and ``run_id``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import itertools
import os
import re
import time
import zipfile
from datetime import UTC, datetime
from typing import Any

from github_api import GitHub, Refused, output, run, when

PLAN_MARKER = "<!-- callboard-plan -->"
SHA_MARKER = re.compile(r"<!-- callboard-plan-sha256: ([0-9a-f]{64}) -->")
ARTIFACT = "callboard-plan"
PLAN_FILE = "plan.cbplan"
Item = dict[str, Any]


def _merged_as(pr: Item, sha: str, branch: str) -> bool:
    return bool(pr.get("merged_at")) and pr.get("merge_commit_sha") == sha and \
        pr["base"]["ref"] == branch


def merged_pull_request(gh: GitHub, sha: str, branch: str, attempts: int, pause: float) -> Item:
    found: list[Item] = []
    for attempt in range(attempts):
        found = [pr for pr in gh.pages(f"{gh.repo}/commits/{sha}/pulls")
                 if _merged_as(pr, sha, branch)]
        if found:
            break
        if attempt + 1 < attempts:
            time.sleep(pause)
    if not found:  # the commit's association can lag behind the push: look at recent merges
        recent = gh.pages(f"{gh.repo}/pulls", {"state": "closed", "base": branch,
                                               "sort": "updated", "direction": "desc"})
        found = [pr for pr in itertools.islice(recent, 200) if _merged_as(pr, sha, branch)]
    if not found:
        raise Refused(f"no pull request was merged into {branch} as {sha}: only a reviewed "
                      "plan is applied, so a direct push is not. Run the workflow by hand "
                      f"(workflow_dispatch) on {branch} to re-plan at its tip behind approval.")
    if len(found) > 1:
        numbers = ", ".join(f"#{pr['number']}" for pr in found)
        raise Refused(f"{sha} is the merge commit of several pull requests ({numbers})")
    pr = found[0]
    source = (pr["head"].get("repo") or {}).get("full_name")
    if source != gh.repository:
        raise Refused(f"pull request #{pr['number']} came from {source or 'a deleted fork'}, "
                      f"not a branch of {gh.repository}: a fork's plan is never applied. "
                      f"Re-plan at the tip of {branch} by hand (workflow_dispatch).")
    return pr


def reviewed_sha256(gh: GitHub, pr: Item, author: str, merged_at: datetime) -> str:
    number = pr["number"]
    mine = [c for c in gh.pages(f"{gh.repo}/issues/{number}/comments")
            if (c.get("body") or "").startswith(PLAN_MARKER) and c["user"]["login"] == author]
    if not mine:
        raise Refused(f"pull request #{number} has no plan comment by {author}: no plan was "
                      "reviewed")
    comment = mine[0]
    changed = when(comment["updated_at"])
    if changed and changed > merged_at:
        raise Refused(f"the plan comment on #{number} changed after the merge "
                      f"({comment['updated_at']}): it is not what was reviewed")
    found = SHA_MARKER.search(comment["body"])
    if not found:
        raise Refused(f"the plan comment on #{number} shows no plan file SHA-256")
    return found.group(1)


def plan_run(gh: GitHub, pr: Item, workflow: str, merged_at: datetime) -> Item:
    head = pr["head"]["sha"]
    runs = gh.pages(f"{gh.repo}/actions/workflows/{workflow}/runs",
                    {"event": "pull_request", "head_sha": head, "status": "success"},
                    key="workflow_runs")
    usable: list[Item] = []
    for candidate in runs:
        source = (candidate.get("head_repository") or {}).get("full_name")
        started = when(candidate.get("run_started_at") or candidate["created_at"])
        if (candidate["event"], candidate["conclusion"], candidate["head_sha"]) != (
                "pull_request", "success", head):
            continue
        if source != gh.repository or candidate["repository"]["full_name"] != gh.repository:
            print(f"Ignoring run {candidate['id']}: it ran for {source}, not this repository.")
        elif started and started > merged_at:
            print(f"Ignoring run {candidate['id']}: it started after the merge.")
        else:
            usable.append(candidate)
    if not usable:
        raise Refused(f"no successful pull_request run of {workflow} in {gh.repository} planned "
                      f"#{pr['number']}'s head commit {head} before the merge")
    return max(usable, key=lambda r: (r.get("run_started_at") or r["created_at"],
                                      r.get("run_attempt", 1)))


def plan_file(gh: GitHub, plan_run: Item, now: datetime) -> bytes:
    artifacts = [a for a in gh.pages(f"{gh.repo}/actions/runs/{plan_run['id']}/artifacts",
                                     {"name": ARTIFACT}, key="artifacts")
                 if a["name"] == ARTIFACT]
    if not artifacts:
        raise Refused(f"run {plan_run['id']} kept no {ARTIFACT} artifact")
    artifact = max(artifacts, key=lambda a: a["created_at"])
    expires = when(artifact.get("expires_at"))
    if artifact.get("expired") or (expires and expires <= now):
        raise Refused(f"the {ARTIFACT} artifact of run {plan_run['id']} expired on "
                      f"{artifact.get('expires_at')}: the reviewed plan is gone")
    blob = gh.download(f"{gh.repo}/actions/artifacts/{artifact['id']}/zip")
    digest = artifact.get("digest")
    if digest and digest != f"sha256:{hashlib.sha256(blob).hexdigest()}":
        raise Refused(f"the {ARTIFACT} artifact of run {plan_run['id']} does not match its "
                      "digest")
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            return archive.read(PLAN_FILE)
    except (zipfile.BadZipFile, KeyError):
        raise Refused(f"the {ARTIFACT} artifact of run {plan_run['id']} holds no "
                      f"{PLAN_FILE}") from None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sha", default=os.environ.get("GITHUB_SHA"))
    parser.add_argument("--branch", default="main")
    parser.add_argument("--workflow", default="callboard-plan.yml")
    parser.add_argument("--author", default="github-actions[bot]")
    parser.add_argument("--out", default=PLAN_FILE)
    parser.add_argument("--attempts", type=int, default=3)
    parser.add_argument("--pause", type=float,
                        default=float(os.environ.get("CALLBOARD_LOOKUP_PAUSE", 5)),
                        help="seconds between look-ups of a merge GitHub has not associated "
                             "with its pull request yet")
    args = parser.parse_args(argv)
    if not args.sha:
        raise Refused("--sha (or GITHUB_SHA) is needed")
    gh = GitHub.from_env()
    pr = merged_pull_request(gh, args.sha, args.branch, args.attempts, args.pause)
    output(pr=pr["number"])
    merged_at = when(pr["merged_at"])
    assert merged_at is not None
    expected = reviewed_sha256(gh, pr, args.author, merged_at)
    chosen = plan_run(gh, pr, args.workflow, merged_at)
    blob = plan_file(gh, chosen, datetime.now(UTC))
    actual = hashlib.sha256(blob).hexdigest()
    if actual != expected:
        raise Refused(f"the plan saved by run {chosen['id']} has SHA-256 {actual}, but the "
                      f"plan comment on #{pr['number']} shows {expected}: it is not the "
                      "reviewed plan")
    with open(args.out, "wb") as out:
        out.write(blob)
    output(sha256=actual, run_id=chosen["id"])
    print(f"The plan reviewed on #{pr['number']} (run {chosen['id']}), SHA-256 {actual}, "
          f"saved to {args.out}.")
    return 0


if __name__ == "__main__":
    run(main)
