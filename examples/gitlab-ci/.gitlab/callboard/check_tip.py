"""Refuse (exit 1) unless this commit's manifests are those at the tip of the branch.

Re-plans happen only there: a plan made from older manifests would undo what merged after it.
The tip may be a later commit that changed nothing under --watch; if it changed the manifests,
its own pipeline's apply covers this change too (its saved plan is refused as made from other
manifests, so it re-plans or fails loudly).
"""

from __future__ import annotations

import argparse
import os

from gitlab_api import GitLab, Refused, quote, run

WATCHED = ["manifests/", ".gitlab/callboard/requirements.txt"]


def check_tip(gl: GitLab, sha: str, branch: str, watched: list[str]) -> str:
    tip = gl.call("GET", f"{gl.base}/repository/branches/{quote(branch)}")["commit"]["id"]
    if tip == sha:
        return f"{sha} is the tip of {branch}."
    base = gl.call("GET", f"{gl.base}/repository/merge_base",
                   params=[("refs[]", sha), ("refs[]", tip)])["id"]
    if base != sha:
        raise Refused(f"{branch} is at {tip}, which does not descend from {sha}: re-plan at the "
                      f"tip of {branch} by hand")
    diffs = gl.call("GET", f"{gl.base}/repository/compare", params={"from": sha, "to": tip})
    changed = sorted({path for d in diffs["diffs"] for path in (d["old_path"], d["new_path"])})
    moved = [name for name in changed if any(name == w or name.startswith(w) for w in watched)]
    if moved:
        raise Refused(f"{branch} has moved on to {tip}, which changes {', '.join(moved[:5])}; "
                      f"this pipeline is for {sha}. A re-plan happens only at the tip: the "
                      f"pipeline for {tip} (or a later one) re-plans with this change in it.")
    return f"{branch} is at {tip}, with the same manifests as {sha}."


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sha", default=os.environ.get("CI_COMMIT_SHA"))
    parser.add_argument("--branch", default=os.environ.get("CI_DEFAULT_BRANCH", "main"))
    parser.add_argument("--watch", action="append", help="a path prefix plans depend on")
    args = parser.parse_args(argv)
    print(check_tip(GitLab.from_env(), args.sha, args.branch, args.watch or WATCHED))
    return 0


if __name__ == "__main__":
    run(main)
