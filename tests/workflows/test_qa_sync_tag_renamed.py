"""A Data Sync's tag renamed by hand in Prospect2 after a run (same id, a new name; QA pass):
``sync run`` said the tag "no longer exists (deleted out of band?)" and that apply would create
it and tag every member again, while plan and apply in fact rename it back and the baseline
stands.

Now a run (and a preview) finds the tag the last run confirmed by its id, says what it is
called now and refuses before any write (a run would tag under a name no manifest declares);
once ``apply`` has renamed it back, the run goes on from its baseline, adding nobody."""

from __future__ import annotations

from tests.e2e.conftest import Workspace
from tests.workflows import sync_tag_checks as checks

TAG, BY_HAND = "Member - Active", "Members (renamed by hand)"


def _refused(tag_id: str) -> str:
    return (f"Error: data_syncs.members: its tag '{TAG}' was renamed to '{BY_HAND}' in "
            f"Prospect2 (tag id {tag_id}, changed outside Callboard), so the run stops before "
            "any write: run 'callboard apply' to rename it back (its members keep it, and the "
            f"next run goes on from its baseline), or name the tag '{BY_HAND}' in the "
            "manifests and apply what 'callboard plan' shows")


def _tag(workspace: Workspace, tag_id: str) -> str:
    return workspace.served.prospect2("GET", f"/tags/{tag_id}").json()["tag"]["tag"]






def test_a_run_after_its_tag_was_renamed_says_so_and_goes_on_once_apply_renames_it_back(
        workspace: Workspace) -> None:
    assert workspace.run("apply", "--auto-approve").returncode == 0
    first = workspace.run("sync", "run", "members")
    assert first.returncode == 0, first.stderr
    tag_id = checks.baselines(workspace)[0][2]
    assert tag_id is not None and _tag(workspace, tag_id) == TAG
    tagged = checks.tagged(workspace, tag_id)
    assert tagged > 0
    renamed = workspace.served.prospect2("PUT", f"/tags/{tag_id}", json={"tag": {"tag": BY_HAND}})
    assert renamed.status_code == 200
    baselines, writes = checks.baselines(workspace), checks.writes(workspace)

    for command in (("sync", "run", "members"), ("sync", "preview", "members")):
        refused = workspace.run(*command)
        assert refused.returncode == 1, refused.stdout
        assert refused.stderr.strip() == _refused(tag_id)
    assert checks.baselines(workspace) == baselines  # nothing changed: state, Prospect2
    assert checks.writes(workspace) == writes
    assert _tag(workspace, tag_id) == BY_HAND and checks.tagged(workspace, tag_id) == tagged

    plan = workspace.run("plan")
    assert f'name = "{BY_HAND}" -> "{TAG}"' in plan.stdout  # as the message says: renamed back
    assert "1 to change, 0 to replace, 0 to destroy" in plan.stdout
    assert workspace.run("apply", "--auto-approve").returncode == 0
    assert _tag(workspace, tag_id) == TAG  # the same tag, its members still on it

    again = workspace.run("sync", "run", "members")

    assert again.returncode == 0, again.stderr
    assert checks.added(again.stdout) == 0  # the baseline stood: nobody is tagged again
    assert "tagged again" not in again.stdout
    assert checks.tagged(workspace, tag_id) == tagged
    assert [b[2] for b in checks.baselines(workspace)] == [tag_id]
