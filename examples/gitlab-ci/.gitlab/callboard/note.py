"""Post a body as THE note of its kind on a merge request: created once, then updated in place.

A note's kind is its first line, a hidden marker (``<!-- callboard-plan -->``,
``<!-- callboard-replan -->``, ``<!-- callboard-apply -->``), and only notes by this token's
user count, so a person quoting a marker changes nothing. Every page of notes is read.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gitlab_api import GitLab, output, run


def upsert(gl: GitLab, mr: int, marker: str, body: str) -> int:
    head = f"<!-- {marker} -->"
    if not body.startswith(head):
        body = f"{head}\n{body}"
    me = gl.call("GET", "/user")["id"]
    notes = f"{gl.base}/merge_requests/{mr}/notes"
    mine = [n for n in gl.pages(notes, {"sort": "asc", "order_by": "created_at"})
            if not n.get("system") and n["author"]["id"] == me
            and (n.get("body") or "").startswith(head)]
    if mine:
        gl.call("PUT", f"{notes}/{mine[0]['id']}", {"body": body})
        return int(mine[0]["id"])
    return int(gl.call("POST", notes, {"body": body})["id"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mr", type=int, required=True, help="merge request IID")
    parser.add_argument("--marker", required=True, help="e.g. callboard-plan")
    parser.add_argument("--body-file", type=Path, required=True)
    parser.add_argument("--outputs", help="dotenv file for later jobs")
    args = parser.parse_args(argv)
    body = args.body_file.read_text(encoding="utf-8")
    note_id = upsert(GitLab.from_env(), args.mr, args.marker, body)
    output(args.outputs, CALLBOARD_NOTE=note_id)
    print(f"Note {note_id} on !{args.mr} is up to date.")
    return 0


if __name__ == "__main__":
    run(main)
