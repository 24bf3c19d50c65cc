"""Post a body as THE comment of its kind on a pull request: created once, then updated in place.

A comment's kind is its first line, a hidden marker (``<!-- callboard-plan -->``,
``<!-- callboard-replan -->``, ``<!-- callboard-apply -->``), and only comments by --author (the
workflow token's identity) count, so a person quoting a marker changes nothing. Every page of
comments is read: a busy pull request has more than one. Step output: ``comment_id``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from github_api import GitHub, fit, output, run


def upsert(gh: GitHub, issue: int, marker: str, body: str, author: str) -> int:
    head = f"<!-- {marker} -->"
    if not body.startswith(head):
        body = f"{head}\n{body}"
    body = fit(body)
    mine = [c for c in gh.pages(f"{gh.repo}/issues/{issue}/comments")
            if (c.get("body") or "").startswith(head) and c["user"]["login"] == author]
    if mine:
        gh.call("PATCH", f"{gh.repo}/issues/comments/{mine[0]['id']}", {"body": body})
        return int(mine[0]["id"])
    made = gh.call("POST", f"{gh.repo}/issues/{issue}/comments", {"body": body})
    return int(made["id"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issue", type=int, required=True, help="pull request number")
    parser.add_argument("--marker", required=True, help="e.g. callboard-plan")
    parser.add_argument("--body-file", type=Path, required=True)
    parser.add_argument("--author", default="github-actions[bot]")
    args = parser.parse_args(argv)
    body = args.body_file.read_text(encoding="utf-8")
    comment_id = upsert(GitHub.from_env(), args.issue, args.marker, body, args.author)
    output(comment_id=comment_id)
    print(f"Comment {comment_id} on #{args.issue} is up to date.")
    return 0


if __name__ == "__main__":
    run(main)
