"""``sync run --all`` as a process against the served emulators, with one sync in trouble: its
tag deleted by hand (it once refused every sync before any write), or Prospect2 and Tessitura
failing while it runs (fault injection through the control API). Either way that sync fails
alone, saying why and what to do in one line of the output (said once: not again on stderr),
the syncs after it run and tag as usual, and the process exits 1 naming it.

The companion in-process tests, with ``--due`` on a moved clock and the notify email, are in
``test_qa_sync_one_broken.py``."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import Workspace
from tests.served_process import CALLBOARD

#: Three syncs of the lists marked for Prospect2, run in this order (by name).
SYNCS = """\
tags:
  members: {name: Members - Synced}
  lapsed: {name: Donor - Lapsed}
  appeal: {name: Appeal - Synced}
data_syncs:
  a-members: {list: Members - Current, tag: members, schedule: {daily: "02:00"}}
  b-lapsed: {list: Lapsed Donors, tag: lapsed, schedule: {daily: "02:00"}}
  c-appeal: {list: Lapsed Donors, tag: appeal, schedule: {daily: "02:00"}}
"""
LAPSED_GONE = ("data_syncs.b-lapsed: failed: its tag 'Donor - Lapsed' no longer exists in "
               "Prospect2 (deleted out of band?), so its members no longer carry it and the run "
               "stops before any write: run 'callboard plan' and 'callboard apply' to create "
               "the tag again; the next run then tags every member again")


@pytest.fixture
def three(workspace: Workspace) -> Workspace:
    """The workspace with the three syncs applied."""
    manifests = workspace.root / "manifests"
    shutil.rmtree(manifests)
    manifests.mkdir()
    (manifests / "syncs.yaml").write_text(SYNCS)
    applied = workspace.run("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stderr
    return workspace


def _tag_total(workspace: Workspace, name: str) -> int | None:
    """How many contacts carry the tag ``name`` (None: no such tag)."""
    rows = workspace.served.prospect2("GET", "/tags", params={"search": name}).json()["tags"]
    found = next((r["id"] for r in rows if r["tag"] == name), None)
    if found is None:
        return None
    answer = workspace.served.prospect2("GET", "/contacts",
                                        params={"tagid": found, "limit": 1}).json()
    return int(answer["meta"]["total"])


def _headlines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("data_syncs.")]


def test_all_with_a_deleted_tag_runs_the_other_syncs_and_exits_1(three: Workspace) -> None:
    workspace = three
    rows = workspace.served.prospect2("GET", "/tags",
                                      params={"search": "Donor - Lapsed"}).json()["tags"]
    [lapsed] = [r["id"] for r in rows if r["tag"] == "Donor - Lapsed"]
    assert workspace.served.prospect2("DELETE", f"/tags/{lapsed}").status_code == 200

    every = workspace.run("sync", "run", "--all")

    assert every.returncode == 1, every.stderr
    headlines = _headlines(every.stdout)
    assert headlines[1] == LAPSED_GONE
    assert [h.split(":")[:2] for h in headlines[::2]] == [
        ["data_syncs.a-members", " succeeded"], ["data_syncs.c-appeal", " succeeded"]]
    assert every.stderr.splitlines()[-1] == (
        "Error: 1 of 3 sync runs did not succeed: data_syncs.b-lapsed")
    assert (every.stdout + every.stderr).count("no longer exists in Prospect2") == 1
    assert (_tag_total(workspace, "Appeal - Synced") or 0) > 0  # the sync after it tagged
    assert _tag_total(workspace, "Donor - Lapsed") is None  # nothing made it again


def test_a_sync_failing_part_way_fails_alone_and_the_next_ones_run(three: Workspace,
                                                                  tmp_path: Path) -> None:
    workspace, served = three, three.served
    served.control("faults", {"latency_ms": 150})  # each run takes a second or more
    errors = tmp_path / "stderr.txt"
    env = {**os.environ, **served.env, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("CALLBOARD_STATE", None)
    with errors.open("w") as stderr:
        process = subprocess.Popen([*CALLBOARD, "sync", "run", "--all"], cwd=workspace.root,
                                   env=env, text=True, stdout=subprocess.PIPE, stderr=stderr)
        assert process.stdout is not None
        out: list[str] = []
        for line in process.stdout:
            out.append(line)
            if line.startswith("data_syncs.a-members: succeeded"):
                # the second sync has just begun: every call now fails
                served.control("faults", {"error_rate": 1.0})
            elif line.startswith("data_syncs.b-lapsed: failed"):
                served.control("faults", {"error_rate": 0.0, "latency_ms": 0})
        code = process.wait(timeout=180)

    headlines = _headlines("".join(out))
    assert code == 1, "".join(out)
    assert [h.split(":")[:2] for h in headlines] == [
        ["data_syncs.a-members", " succeeded"], ["data_syncs.b-lapsed", " failed"],
        ["data_syncs.c-appeal", " succeeded"]], headlines
    assert headlines[1].endswith(
        "failed with 500: Internal server error (injected); nothing is lost: its next run "
        "finishes the work (or run 'callboard sync run b-lapsed' once the service answers)")
    stderr = errors.read_text()
    assert stderr.splitlines()[-1] == (
        "Error: 1 of 3 sync runs did not succeed: data_syncs.b-lapsed")
    # what cron mails and CI shows is stdout and stderr together: the failure is said once
    assert ("".join(out) + stderr).count("Internal server error (injected)") == 1, stderr
    assert (_tag_total(workspace, "Appeal - Synced") or 0) > 0  # the sync after it tagged
