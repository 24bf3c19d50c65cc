"""A Data Sync's tag deleted by hand in Prospect2 after a run (QA pass): the next run once said
"succeeded, 0 added" while every member had silently lost the tag, and after ``apply`` made
the tag again (a new id) a run still added nobody, its baseline saying all were tagged.

Now a run (and a preview) refuses before any write, naming the sync, the tag and what to do;
once ``apply`` has made the tag again, the run sees the baseline was confirmed against another
tag id and tags every member again, saying why; the run after that adds nobody."""

from __future__ import annotations

from tests.e2e.conftest import Workspace
from tests.workflows import sync_tag_checks as checks

TAG = "Member - Active"
REFUSED = ("Error: data_syncs.members: its tag 'Member - Active' no longer exists in "
           "Prospect2 (deleted out of band?), so its members no longer carry it and the run "
           "stops before any write: run 'callboard plan' and 'callboard apply' to create the "
           "tag again; the next run then tags every member again")


def _tag_id(workspace: Workspace) -> str | None:
    rows = workspace.served.prospect2("GET", "/tags", params={"search": TAG}).json()["tags"]
    return next((str(r["id"]) for r in rows if r["tag"] == TAG), None)






def test_a_run_after_its_tag_was_deleted_refuses_then_tags_everyone_once_it_is_made_again(
        workspace: Workspace) -> None:
    assert workspace.run("apply", "--auto-approve").returncode == 0
    first = workspace.run("sync", "run", "members")
    assert first.returncode == 0, first.stderr
    old_id = _tag_id(workspace)
    assert old_id is not None
    tagged = checks.tagged(workspace, old_id)
    assert tagged > 0
    assert [b[2] for b in checks.baselines(workspace)] == [old_id]  # the baseline knows its tag
    assert workspace.served.prospect2("DELETE", f"/tags/{old_id}").status_code == 200
    baselines, writes = checks.baselines(workspace), checks.writes(workspace)

    for command in (("sync", "run", "members"), ("sync", "preview", "members")):
        refused = workspace.run(*command)
        assert refused.returncode == 1, refused.stdout
        assert refused.stderr.strip() == REFUSED
    assert checks.baselines(workspace) == baselines  # nothing changed: state, Prospect2
    assert checks.writes(workspace) == writes

    assert workspace.run("apply", "--auto-approve").returncode == 0
    new_id = _tag_id(workspace)
    assert new_id is not None and new_id != old_id and checks.tagged(workspace, new_id) == 0
    preview = workspace.run("sync", "preview", "members", "--no-regenerate")
    assert preview.returncode == 0, preview.stderr
    assert f"(tag id {old_id}, made again since?)" in preview.stdout

    again = workspace.run("sync", "run", "members")

    assert again.returncode == 0, again.stderr
    assert checks.added(again.stdout) == checks.added(first.stdout) > 0  # everyone, as at first
    assert (f"its tag is not the one the last run confirmed (tag id {old_id}, made again "
            "since?): every member is tagged again") in again.stdout
    assert checks.tagged(workspace, new_id) == tagged
    assert [b[2] for b in checks.baselines(workspace)] == [new_id]
    third = workspace.run("sync", "run", "members")
    assert third.returncode == 0 and checks.added(third.stdout) == 0, third.stdout
    assert "tagged again" not in third.stdout
