"""Keep ONE open drift issue: open or update it when drift is found, close it when clean.

The issue carries the label ``callboard-drift`` and starts with a hidden marker, and only issues
by this token's user count. Two runs racing can open two: the next run keeps the oldest and
closes the others as duplicates of it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gitlab_api import GitLab, output, run

MARKER = "<!-- callboard-drift -->"
LABEL = "callboard-drift"
TITLE = "Callboard: live objects drifted from the manifests"


def close(gl: GitLab, iid: int, note: str) -> None:
    gl.call("POST", f"{gl.base}/issues/{iid}/notes", {"body": note})
    gl.call("PUT", f"{gl.base}/issues/{iid}", {"state_event": "close"})


def report(gl: GitLab, found: bool, text: str, job_url: str) -> int | None:
    me = gl.call("GET", "/user")["id"]
    issues = sorted((i for i in gl.pages(f"{gl.base}/issues",
                                         {"state": "opened", "labels": LABEL})
                     if i["author"]["id"] == me
                     and (i.get("description") or "").startswith(MARKER)),
                    key=lambda i: i["iid"])
    if not found:
        for issue in issues:
            close(gl, issue["iid"], f"No drift any more: {job_url}")
        return None
    body = f"{MARKER}\nFound by {job_url}\n\n{text}"
    if not issues:
        made = gl.call("POST", f"{gl.base}/issues",
                       {"title": TITLE, "description": body, "labels": LABEL})
        return int(made["iid"])
    keep, *duplicates = issues
    gl.call("PUT", f"{gl.base}/issues/{keep['iid']}", {"description": body})
    for duplicate in duplicates:
        close(gl, duplicate["iid"], f"Duplicate of #{keep['iid']}.")
    return int(keep["iid"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--found", choices=["true", "false"], required=True)
    parser.add_argument("--report", type=Path, help="drift --format markdown output")
    parser.add_argument("--job-url", required=True)
    parser.add_argument("--outputs", help="dotenv file for later jobs")
    args = parser.parse_args(argv)
    found = args.found == "true"
    if found and not args.report:
        parser.error("--found true needs --report")
    text = args.report.read_text(encoding="utf-8") if found else ""
    iid = report(GitLab.from_env(), found, text, args.job_url)
    output(args.outputs, CALLBOARD_DRIFT_ISSUE=iid or "")
    print(f"Drift issue #{iid} is up to date." if iid else "No drift issue is open.")
    return 0


if __name__ == "__main__":
    run(main)
