"""Keep ONE open drift issue: open or update it when drift is found, close it on a clean night.

The issue is found by its hidden first line, ``<!-- callboard-drift -->``, among open issues
opened by --author. Two runs racing (a re-run beside the nightly one) can open two: the next run
keeps the oldest and closes the others as duplicates of it. Step output: ``issue``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from github_api import GitHub, fit, output, run

MARKER = "<!-- callboard-drift -->"
TITLE = "Callboard: live objects drifted from the manifests"


def open_drift_issues(gh: GitHub, author: str) -> list[dict]:
    found = [i for i in gh.pages(f"{gh.repo}/issues", {"state": "open", "creator": author})
             if "pull_request" not in i and (i.get("body") or "").startswith(MARKER)]
    return sorted(found, key=lambda i: i["number"])


def close(gh: GitHub, number: int, note: str, reason: str) -> None:
    gh.call("POST", f"{gh.repo}/issues/{number}/comments", {"body": note})
    gh.call("PATCH", f"{gh.repo}/issues/{number}", {"state": "closed", "state_reason": reason})


def report(gh: GitHub, found: bool, report_text: str, run_url: str, author: str) -> int | None:
    issues = open_drift_issues(gh, author)
    if not found:
        for issue in issues:
            close(gh, issue["number"], f"No drift any more: {run_url}", "completed")
        return None
    body = fit(f"{MARKER}\nFound by {run_url}\n\n{report_text}")
    if not issues:
        made = gh.call("POST", f"{gh.repo}/issues", {"title": TITLE, "body": body})
        return int(made["number"])
    keep, *duplicates = issues
    gh.call("PATCH", f"{gh.repo}/issues/{keep['number']}", {"body": body})
    for duplicate in duplicates:
        close(gh, duplicate["number"], f"Duplicate of #{keep['number']}.", "not_planned")
    return int(keep["number"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--found", choices=["true", "false"], required=True)
    parser.add_argument("--report", type=Path, help="drift --format markdown output")
    parser.add_argument("--run-url", required=True)
    parser.add_argument("--author", default="github-actions[bot]")
    args = parser.parse_args(argv)
    found = args.found == "true"
    if found and not args.report:
        parser.error("--found true needs --report")
    text = args.report.read_text(encoding="utf-8") if found else ""
    number = report(GitHub.from_env(), found, text, args.run_url, args.author)
    output(issue=number or "")
    print(f"Drift issue #{number} is up to date." if number else "No drift issue is open.")
    return 0


if __name__ == "__main__":
    run(main)
