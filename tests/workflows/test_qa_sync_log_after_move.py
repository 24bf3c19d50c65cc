"""A Data Sync renamed with ``moved:`` is the same sync (same Prospect2 id, same baseline), so
``sync log NEWNAME`` shows its runs from before the rename too, as they were logged (under the
old NAME). It once said "No sync runs in the last 7d" right after the rename."""

from __future__ import annotations

from tests.cli.conftest import Sandbox

MOVED = "moved:\n  - {from: data_syncs.lapsed-donors, to: data_syncs.lapsed}\n"


def test_sync_log_of_a_renamed_sync_shows_its_runs_before_the_rename(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    ran = sandbox.run("sync", "run", "lapsed-donors")
    assert ran.code == 0, ran.err
    assert sandbox.run("sync", "run", "members").code == 0
    syncs = sandbox.manifests / "data_syncs.yaml"
    syncs.write_text(syncs.read_text().replace("\n  lapsed-donors:\n", "\n  lapsed:\n") + MOVED)
    moved = sandbox.run("apply", "--auto-approve")
    assert moved.code == 0, moved.err
    assert "data_syncs.lapsed" in sandbox.run("state", "list").out

    logged = sandbox.run("sync", "log", "lapsed")

    assert logged.code == 0, logged.err
    assert "data_syncs.lapsed-donors: succeeded:" in logged.out, logged.out
    assert "data_syncs.members" not in logged.out  # only this sync's runs
    again = sandbox.run("sync", "run", "lapsed")  # the same baseline: nothing new to add
    assert again.code == 0, again.err
    assert "data_syncs.lapsed: succeeded: 0 added" in again.out
    both = sandbox.run("sync", "log", "data_syncs.lapsed").out
    assert both.index("data_syncs.lapsed-donors: succeeded") < both.index(
        "data_syncs.lapsed: succeeded")
