"""A sync run that stops before any write (``safety.sync_max_remove_fraction``) reports no
constituent counts it never made: its output, ``sync log`` and the email once said
"constituents: 0 joined, 0 left, 0 in the list" right under "the run would remove the tag for
171 of 1086 constituents", for a list of 1,700. Nothing changes; ``--force`` then runs it and
the counts are the run's."""

from __future__ import annotations

import json
import re

import pytest

from tests.cli.conftest import Sandbox

MEMBERS_LIST = 101


@pytest.fixture
def synced(sandbox: Sandbox) -> Sandbox:
    assert sandbox.run("apply", "--auto-approve").code == 0
    first = sandbox.run("sync", "run", "members")
    assert first.code == 0, first.err
    return sandbox


def _tagged(sandbox: Sandbox) -> set[str]:
    tag_id = sandbox.tag_id("Member - Active")
    emails: set[str] = set()
    offset = 0
    while True:
        page = sandbox.api("GET", f"/api/3/contacts?tagid={tag_id}&limit=100"
                                  f"&offset={offset}").json()["contacts"]
        emails |= {c["email"] for c in page}
        if len(page) < 100:
            return emails
        offset += 100


def test_a_run_stopped_by_the_safety_check_shows_no_counts_it_never_made(
        synced: Sandbox) -> None:
    churn = synced.api("POST", "/_emulator/churn",
                       json={"list_id": MEMBERS_LIST, "remove": 150, "seed": 3}).json()
    assert len(churn["removed"]) == 150
    tagged = _tagged(synced)

    stopped = synced.run("sync", "run", "members")

    assert stopped.code == 1
    assert re.search(r"data_syncs\.members: stopped before any write: the run would remove "
                     r"the tag for \d+ of \d+ constituents", stopped.out), stopped.out
    assert "constituents:" not in stopped.out  # no "0 joined, 0 left, 0 in the list"
    assert "API calls: Tessitura" in stopped.out
    logged = synced.run("sync", "log", "members")
    last = logged.out[logged.out.rindex("data_syncs.members: "):]
    assert last.startswith("data_syncs.members: stopped before any write")
    assert "constituents:" not in last
    assert _tagged(synced) == tagged  # nothing written

    forced = synced.run("sync", "run", "members", "--force")
    assert forced.code == 0, forced.err
    counts = re.search(r"constituents: (\d+) joined, (\d+) left, (\d+) in the list",
                       forced.out)
    assert counts is not None, forced.out
    assert int(counts.group(2)) > 0 and int(counts.group(3)) > 0
    assert _tagged(synced) < tagged  # the leavers lost the tag


def test_the_preview_says_the_run_would_stop_before_any_write(synced: Sandbox) -> None:
    """The preview's counts are the run's; so is its stop: "169 to remove" and then a run that
    removes nothing read as a contradiction until the run was tried."""
    calm = synced.run("sync", "preview", "members")
    assert calm.code == 0 and "would stop" not in calm.out
    assert json.loads(synced.run("sync", "preview", "members", "--no-regenerate",
                                 "--format", "json").out)["needs_force"] is None
    synced.api("POST", "/_emulator/churn", json={"list_id": MEMBERS_LIST, "remove": 150,
                                                 "seed": 3})

    shown = synced.run("sync", "preview", "members")
    document = json.loads(synced.run("sync", "preview", "members", "--no-regenerate",
                                     "--format", "json").out)
    stopped = synced.run("sync", "run", "members")

    assert shown.code == 0
    why = re.search(r"the run would remove the tag for \d+ of \d+ constituents \([\d.]+%\), "
                    r"over safety\.sync_max_remove_fraction \(10\.0%\); use --force to run it "
                    r"anyway", stopped.out)
    assert why is not None, stopped.out
    assert f"  a run would stop before any write: {why.group(0)}" in shown.out.splitlines()
    assert document["needs_force"] == why.group(0)
    assert document["counts"]["remove"] > 0
