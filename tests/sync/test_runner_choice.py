"""Exactly one engine runs a Data Sync (``runner: callboard | prospect2``).

``callboard`` pushes the definition with Prospect2's scheduling off (``runBy: "external"``), so
the emulated Prospect2 never runs it however far its clock moves; ``prospect2`` leaves it to
Prospect2's scheduler, and ``sync run`` refuses it, changing nothing; ``sync log`` shows the
runs Prospect2 made from its activity log.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.cli.main import main
from engine.errors import CallboardError
from engine.sync.definition import SyncDefinition, refuse_prospect2_runs
from engine.sync.filters import AddressFilter
from providers.emulator_host import build_emulator_app
from providers.prospect2.kinds.data_syncs import RUN_BY, runner_of

MANIFESTS = """\
tags:
  ours: {name: Synced - Ours}
  theirs: {name: Synced - Theirs}
data_syncs:
  ours:
    list: Lapsed Donors
    tag: ours
    schedule: {daily: "02:00"}
  theirs:
    list: Lapsed Donors
    tag: theirs
    schedule: {daily: "02:00"}
    runner: prospect2
"""


class Sandbox:
    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root, self.capsys = root, capsys

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(["--sandbox", *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """The sandbox's emulators, as the outside world (a person, Prospect2's clock)."""
        async def call() -> Any:
            app = build_emulator_app(seed="demo", data_dir=str(self.root / ".callboard/sandbox"))
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                         base_url="http://sandbox",
                                         headers={"Api-Token": "emulator-token"}) as client:
                answer = await client.request(method, path, json=body)
                answer.raise_for_status()
                return answer.json()
        return asyncio.run(call())

    def syncs(self) -> dict[str, dict[str, Any]]:
        return {s["name"]: s for s in self.call("GET", "/api/3/tessitura/dataSyncs")["dataSyncs"]}

    def tagged(self, tag: str) -> int:
        tags = self.call("GET", f"/api/3/tags?search={tag}")["tags"]
        tag_id = next(t["id"] for t in tags if t["tag"] == tag)
        return int(self.call("GET", f"/api/3/contacts?tagid={tag_id}&limit=1")["meta"]["total"])

    def activity(self, sync_id: str) -> list[dict[str, Any]]:
        return self.call("GET", f"/api/3/tessitura/dataSyncs/{sync_id}/activity")["activities"]


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> Sandbox:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "syncs.yaml").write_text(MANIFESTS)
    monkeypatch.chdir(tmp_path)
    for name in ("CALLBOARD_STATE", "CALLBOARD_SMTP_URL", "CALLBOARD_MANIFESTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    box = Sandbox(tmp_path, capsys)
    # Prospect2's clock starts three days ago, so the runs it makes fall in sync log's window
    start = datetime.now(UTC) - timedelta(days=3)
    box.call("POST", "/_emulator/clock", {"now": start.isoformat()})
    code, out, err = box.run("apply", "--auto-approve")
    assert code == 0, out + err
    return box


def test_one_engine_runs_each_sync(sandbox: Sandbox) -> None:
    syncs = sandbox.syncs()
    assert (syncs["ours"]["runBy"], syncs["theirs"]["runBy"]) == ("external", "prospect2")

    code, _, err = sandbox.run("sync", "run", "ours", "theirs")
    assert code == 1
    assert "data_syncs.theirs: runner: prospect2, so Prospect2 runs it" in err
    assert "set runner: callboard" in err
    assert sandbox.tagged("Synced - Ours") == sandbox.tagged("Synced - Theirs") == 0
    code, out, _ = sandbox.run("sync", "log", "--format", "json")
    assert json.loads(out)["runs"] == []  # nothing ran, not even "ours"

    code, out, _ = sandbox.run("sync", "preview", "theirs")
    assert code == 0 and "Preview of data_syncs.theirs" in out
    assert "runner: prospect2: Prospect2 runs this sync from a baseline of its own" in out
    code, out, _ = sandbox.run("sync", "run", "--all")
    assert code == 0
    assert "data_syncs.ours: succeeded:" in out
    assert "data_syncs.theirs: runner: prospect2 (Prospect2 runs it); skipped" in out
    assert sandbox.tagged("Synced - Ours") > 0 and sandbox.tagged("Synced - Theirs") == 0

    # Prospect2's clock passes 02:00 twice: it runs its own sync, never Callboard's
    sandbox.call("POST", "/_emulator/clock", {"advance_seconds": 2 * 86_400})
    assert sandbox.activity(syncs["ours"]["id"]) == []
    theirs = sandbox.activity(syncs["theirs"]["id"])
    assert len(theirs) == 2 and theirs[-1]["added"] > 0
    code, out, _ = sandbox.run("sync", "log", "--format", "json")
    runs = json.loads(out)["runs"]
    # oldest first: Prospect2's runs happened on its clock, before ours on the wall clock
    assert [(r["address"], r["run_by"]) for r in runs] == [
        ("data_syncs.theirs", "prospect2"), ("data_syncs.theirs", "prospect2"),
        ("data_syncs.ours", "callboard")]
    first = theirs[-1]  # the activity log lists the newest first
    assert (runs[0]["started_at"], runs[0]["added"], runs[0]["status"]) == (
        first["runAt"], first["added"], "succeeded")
    code, out, _ = sandbox.run("sync", "log", "theirs")
    assert out.count("data_syncs.theirs: succeeded (run by Prospect2):") == 2


def _definition(name: str, runner: str) -> SyncDefinition:
    return SyncDefinition(address=f"data_syncs.{name}", name=name, sync_id=name, list_id=1,
                          tag="T", mode="add_only", trigger_webhooks=False,
                          trigger_automations=True, address_filter=AddressFilter(),
                          schedule=None, notify=(), enabled=True, runner=runner)


@given(st.lists(st.sampled_from(["callboard", "prospect2"]), min_size=1, max_size=6))
def test_sync_run_refuses_exactly_the_syncs_prospect2_runs(runners: list[str]) -> None:
    named = [_definition(f"s{i}", r) for i, r in enumerate(runners)]
    theirs = [d.address for d in named if d.runner == "prospect2"]
    if not theirs:
        refuse_prospect2_runs(named)
        return
    with pytest.raises(CallboardError) as refused:
        refuse_prospect2_runs(named)
    assert str(refused.value).startswith(", ".join(theirs) + ": runner: prospect2")


def test_the_refusal_says_who_runs_the_syncs_and_how_to_run_them_here() -> None:
    why = ("on its own schedule and 'callboard sync run' does not (two engines would tag from "
           "two baselines); set runner: callboard in the manifest and apply to run it here, or "
           "see Prospect2's runs with 'callboard sync log'")
    for names, pronoun in ((["a"], "it"), (["a", "b"], "them")):
        with pytest.raises(CallboardError) as refused:
            refuse_prospect2_runs([_definition(n, "prospect2") for n in names])
        addresses = ", ".join(f"data_syncs.{n}" for n in names)
        assert str(refused.value) == (f"{addresses}: runner: prospect2, so Prospect2 runs "
                                      f"{pronoun} {why}")


@given(st.sampled_from(["callboard", "prospect2"]))
def test_the_wire_says_who_runs_it(runner: str) -> None:
    """``external`` is the one value that keeps Prospect2's scheduler off a sync; a sync
    without ``runBy`` (made in Prospect2's screens) is Prospect2's."""
    assert runner_of(RUN_BY[runner]) == runner
    assert (RUN_BY[runner] == "external") == (runner == "callboard")
    assert runner_of(None) == "prospect2"


def test_syncs_handed_to_prospect2_by_hand_are_told_apart_from_declared_ones() -> None:
    """Live says prospect2 where Callboard applied callboard: set by hand, apply sets it back;
    a declared ``runner: prospect2`` keeps the manifest's fix."""
    declared = _definition("a", "prospect2")
    by_hand = [replace(_definition(n, "prospect2"), applied_runner="callboard") for n in "bc"]
    ours = replace(_definition("d", "callboard"), applied_runner="callboard")
    with pytest.raises(CallboardError) as refused:
        refuse_prospect2_runs([declared, *by_hand, ours])
    first, second = str(refused.value).split("\n")
    assert first.startswith("data_syncs.a: runner: prospect2, so Prospect2 runs it")
    assert first.endswith("set runner: callboard in the manifest and apply to run it here, or "
                          "see Prospect2's runs with 'callboard sync log'")
    assert second.startswith("data_syncs.b, data_syncs.c: runner: prospect2 in Prospect2, set "
                             "there outside Callboard (which last applied runner: callboard), "
                             "so Prospect2 runs them")
    assert "run 'callboard apply' to set it back to callboard and run them here" in second
    refuse_prospect2_runs([ours])  # Callboard's own: no refusal
