"""A Data Sync's tag renamed by hand in Prospect2 before the sync ever ran (QA pass): ``sync
run`` said the tag "no longer exists (deleted out of band?)" and that apply would create it,
while plan and apply in fact rename it back. With no baseline there is no tag id a run
confirmed, but state holds the id of the managed tag of that name: the run (and a preview)
says it was renamed, to what, and what to do, before any write; once apply has renamed it
back, the first run tags the members on that same tag."""

from __future__ import annotations

import re
import sqlite3

from tests.cli.conftest import Sandbox

TAG, BY_HAND = "Member - Active", "Members (renamed by hand)"


def _tagged(sandbox: Sandbox, tag_id: str) -> int:
    answer = sandbox.api("GET", f"/api/3/contacts?tagid={tag_id}&limit=1").json()
    return int(answer["meta"]["total"])


def _baselines(sandbox: Sandbox) -> list[tuple[str, str | None]]:
    with sqlite3.connect(sandbox.root / ".callboard" / "sandbox" / "state.db") as db:
        return db.execute("SELECT sync_id, tag_id FROM sync_baseline ORDER BY sync_id").fetchall()


def _name(sandbox: Sandbox, tag_id: str) -> str:
    return sandbox.api("GET", f"/api/3/tags/{tag_id}").json()["tag"]["tag"]


def test_a_first_run_after_its_tag_was_renamed_says_so_and_runs_once_apply_renames_it_back(
        sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    tag_id = sandbox.tag_id(TAG)
    renamed = sandbox.api("PUT", f"/api/3/tags/{tag_id}", json={"tag": {"tag": BY_HAND}})
    assert renamed.status_code == 200
    assert _baselines(sandbox) == []  # never run: no baseline, no tag id a run confirmed
    tagged = _tagged(sandbox, tag_id)

    for command in (("sync", "run", "members"), ("sync", "preview", "members")):
        refused = sandbox.run(*command)
        assert refused.code == 1, refused.out
        assert refused.err.strip() == (
            f"Error: data_syncs.members: its tag '{TAG}' was renamed to '{BY_HAND}' in "
            f"Prospect2 (tag id {tag_id}, changed outside Callboard), so the run stops before "
            "any write: run 'callboard apply' to rename it back (the sync has not run yet: "
            f"its first run then tags its members), or name the tag '{BY_HAND}' in the "
            "manifests and apply what 'callboard plan' shows")
    assert _baselines(sandbox) == []  # nothing changed: state, Prospect2
    assert _name(sandbox, tag_id) == BY_HAND and _tagged(sandbox, tag_id) == tagged

    plan = sandbox.run("plan")
    assert f'name = "{BY_HAND}" -> "{TAG}"' in plan.out  # as the message says: renamed back
    assert sandbox.run("apply", "--auto-approve").code == 0
    assert _name(sandbox, tag_id) == TAG

    first = sandbox.run("sync", "run", "members")

    assert first.code == 0, first.err
    added = re.search(r"data_syncs\.members: succeeded: (\d+) added", first.out)
    assert added is not None and int(added.group(1)) > 0, first.out
    assert _tagged(sandbox, tag_id) == tagged + int(added.group(1))  # on the same tag
    assert [t for _, t in _baselines(sandbox)] == [tag_id]
