"""``callboard --sandbox writeback run`` as a user drives it: output, exit codes, the lock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.cli.main import main
from engine.state.sqlite import SqliteState
from providers.emulator_host import build_emulator_app

SANDBOX_DATA = ".callboard/sandbox"


@dataclass
class Result:
    code: int
    out: str
    err: str


class SandboxOrganization:
    """A working directory whose sandbox runs share one emulated organization (seed demo)."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.capsys = capsys

    def callboard(self, *args: str) -> Result:
        self.capsys.readouterr()
        code = main(["--sandbox", "--no-color", *args])
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """The emulated services, used out of band as a person in the UI would."""
        async def call() -> Any:
            app = build_emulator_app(seed="demo", data_dir=str(self.root / SANDBOX_DATA))
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                         base_url="http://sandbox",
                                         headers={"Api-Token": "emulator-token"},
                                         auth=("callboard:admin:emulator", "emulator"),
                                         ) as http:
                answer = await http.request(method, path, json=body)
                answer.raise_for_status()
                return answer.json()
        return asyncio.run(call())

    def source_ids(self) -> list[int]:
        return [s["Id"] for s in self.api("GET", "/TessituraService/Finance/Sources/Summary")]

    def add_mapping(self, name: str, glob: str) -> None:
        self.api("POST", "/api/3/tessitura/writebackMappings", {"writebackMapping": {
            "name": name, "match": {"campaignName": glob}, "appealId": 501,
            "sourceGroupId": 21}})


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> SandboxOrganization:
    monkeypatch.chdir(tmp_path)
    for var in ("CALLBOARD_STATE", "CALLBOARD_MANIFESTS", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    organization = SandboxOrganization(tmp_path, capsys)
    organization.callboard("writeback", "run")  # creates the sandbox organization
    return organization


def test_a_run_reports_each_campaign_and_a_summary_and_the_next_run_skips_them(
        sandbox: SandboxOrganization) -> None:
    sandbox.add_mapping("subscriptions", "SUBS *")
    sandbox.add_mapping("all-mail", "*")
    sources = sandbox.source_ids()

    # both sent campaigns went out before the mappings were made (their since): left alone
    new = sandbox.callboard("writeback", "run")
    assert (new.code, new.out.splitlines()) == (0, [
        "No sent campaign needed writing back.",
        "2 sent campaigns match a mapping but were sent before its since; 'writeback run "
        "--since DATE' writes back those sent on or after DATE."])
    assert sandbox.source_ids() == sources  # nothing written to Tessitura

    first = sandbox.callboard("writeback", "run", "--since", "2026-08-01")  # on purpose

    assert (first.code, first.err) == (0, "")
    lines = first.out.splitlines()
    assert lines[0] == ("campaign 1 'SUBS Spring Preview': written back (mapping all-mail, "
                        "source 9101): 60 promotions inserted, 0 already present")
    assert lines[1] == "  also matches mapping subscriptions; used all-mail, the first by name"
    assert lines[2].startswith("campaign 2 'Lakeside Monthly - August': written back "
                               "(mapping all-mail, source 9102): 80 promotions inserted")
    assert lines[3] == "Wrote back 2 campaigns: 140 promotions inserted, 0 already present."

    second = sandbox.callboard("writeback", "run")

    assert second.code == 0
    assert second.out.splitlines() == ["No sent campaign needed writing back.",
                                       "2 campaigns already written back."]
    source = sandbox.api("GET", "/TessituraService/Finance/Sources/9101")
    assert (source["Description"], source["NumContacts"]) == ("SUBS Spring Preview", 60)


def test_one_campaign_already_written_back_is_skipped_and_said_so(
        sandbox: SandboxOrganization) -> None:
    sandbox.add_mapping("subscriptions", "SUBS *")
    assert sandbox.callboard("writeback", "run", "--campaign", "1", "--since",
                             "2026-08-12").code == 0

    again = sandbox.callboard("writeback", "run", "--campaign", "1")

    assert again.code == 0
    assert again.out == ("campaign 1 'SUBS Spring Preview': already written back (mapping "
                         "subscriptions, source 9101, 60 promotions inserted); skipped\n")


@pytest.mark.parametrize(("campaign", "message"), [
    ("99", "Error: Prospect2 has no campaign 99\n"),
    ("3", "Error: campaign 3 ('Gala Save the Date') has not been sent (status 0); only sent "
          "campaigns are written back\n"),
    ("2", "Error: campaign 2 ('Lakeside Monthly - August') matches no writeback mapping "
          "(mappings: subscriptions (campaign name 'SUBS *'))\n"),
    ("1", "Error: campaign 1 ('SUBS Spring Preview') was sent on 2026-08-12, before mapping "
          "subscriptions's since (2026-09-01), so it is not written back; add --since "
          "2026-08-12 to write it back on purpose\n"),
])
def test_a_campaign_that_cannot_be_written_back_is_one_clear_error(
        sandbox: SandboxOrganization, campaign: str, message: str) -> None:
    sandbox.add_mapping("subscriptions", "SUBS *")
    sources = sandbox.source_ids()

    result = sandbox.callboard("writeback", "run", "--campaign", campaign)

    assert (result.code, result.out, result.err) == (1, "", message)
    assert sandbox.source_ids() == sources


def test_a_run_refuses_to_start_while_another_command_holds_the_state_lock(
        sandbox: SandboxOrganization) -> None:
    sandbox.add_mapping("subscriptions", "SUBS *")
    sources = sandbox.source_ids()
    state = SqliteState(sandbox.root / SANDBOX_DATA / "state.db")
    state.acquire_lock("ci-runner pid 7", "apply")
    try:
        result = sandbox.callboard("writeback", "run")
    finally:
        state.release_lock("ci-runner pid 7")
        state.close()

    assert result.code == 1
    assert "is locked: held by ci-runner pid 7 (command: apply)" in result.err
    assert sandbox.source_ids() == sources


def test_a_tag_mapping_that_cannot_match_is_pointed_out(sandbox: SandboxOrganization) -> None:
    sandbox.api("POST", "/api/3/tessitura/writebackMappings", {"writebackMapping": {
        "name": "members", "match": {"campaignTag": "Members"}, "appealId": 501,
        "sourceGroupId": 21}})

    result = sandbox.callboard("writeback", "run")

    assert result.code == 0
    assert result.out.splitlines() == [
        "Note: mapping members matches by campaign tag ('Members'), but Prospect2 reports no "
        "tags on campaigns, so it matched nothing",
        "No sent campaign needed writing back.",
        "2 sent campaigns match no writeback mapping.",
    ]
