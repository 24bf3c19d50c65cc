"""Refuse (exit 1) unless this commit's manifests are those at the tip of the branch.

Re-plans happen only there: a plan made from older manifests would undo what merged after it.
The tip may be a later commit that changed nothing under --watch (a README edit: no apply run
follows it); if it changed the manifests, its own apply run covers this change too (its saved
plan is refused as made from other manifests, so it re-plans or fails loudly).
"""

from __future__ import annotations

import argparse
import os

from github_api import GitHub, Refused, run

WATCHED = ["manifests/", ".github/callboard/requirements.txt"]


def check_tip(gh: GitHub, sha: str, branch: str, watched: list[str]) -> str:
    tip = gh.call("GET", f"{gh.repo}/branches/{branch}")["commit"]["sha"]
    if tip == sha:
        return f"{sha} is the tip of {branch}."
    comparison = gh.call("GET", f"{gh.repo}/compare/{sha}...{tip}")
    if comparison["status"] != "ahead":
        raise Refused(f"{branch} is at {tip}, which does not descend from {sha} "
                      f"({comparison['status']}): re-plan at the tip of {branch} by hand")
    changed = [f["filename"] for f in gh.pages(f"{gh.repo}/compare/{sha}...{tip}", key="files")]
    moved = [name for name in changed if any(name == w or name.startswith(w) for w in watched)]
    if moved:
        raise Refused(f"{branch} has moved on to {tip}, which changes {', '.join(moved[:5])}; "
                      f"this run is for {sha}. A re-plan happens only at the tip: the apply "
                      f"run for {tip} (or a later one) re-plans with this change in it.")
    return f"{branch} is at {tip}, with the same manifests as {sha}."


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sha", default=os.environ.get("GITHUB_SHA"))
    parser.add_argument("--branch", default="main")
    parser.add_argument("--watch", action="append", help="a path prefix plans depend on")
    args = parser.parse_args(argv)
    print(check_tip(GitHub.from_env(), args.sha, args.branch, args.watch or WATCHED))
    return 0


if __name__ == "__main__":
    run(main)
