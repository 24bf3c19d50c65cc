"""A writeback mapping's source group, active at apply, then made inactive in Tessitura (QA
pass): ``writeback run`` went on writing campaigns under the retired code and ``drift`` called
the account clean, although plan refuses an inactive row. Now the run refuses that mapping
before its first write, saying which code and what to do, while the other mappings run (exit 1,
as a failed sync in ``sync run --all``); ``--campaign`` refuses alike; drift refuses with
plan's message; and once the row is active again the next run writes the campaigns back."""

from __future__ import annotations

import sqlite3

from tests.cli.conftest import Sandbox
from tests.workflows.test_qa_inactive_references import tessitura

EMAIL_MARKETING = 21  # the seeded source group both example mappings use
REFUSED = (
    "Refused mapping subscriptions: its source group 'Email Marketing' (id 21) is inactive in "
    "Tessitura, so 2 sent campaigns were left unwritten: reactivate it in Tessitura, or point "
    "the mapping at an active source group and run 'callboard apply'; the next 'writeback "
    "run' writes them back")


def _source_group_inactive(sandbox: Sandbox, inactive: bool) -> None:
    row = tessitura(sandbox, "GET", f"/ReferenceData/SourceGroups/{EMAIL_MARKETING}")
    tessitura(sandbox, "PUT", f"/ReferenceData/SourceGroups/{EMAIL_MARKETING}",
              {**row, "Inactive": inactive})


def _send(sandbox: Sandbox, name: str) -> str:
    answer = sandbox.api("POST", "/_emulator/campaigns/send", {"name": name, "recipients": 12})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["campaignId"])


def _ledgers(sandbox: Sandbox) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(sandbox.root / ".callboard" / "sandbox" / "state.db") as db:
        rows = db.execute("SELECT campaign_id, mapping_name, status FROM writeback_ledger")
        return {campaign: (mapping, status) for campaign, mapping, status in rows}


def _sources(sandbox: Sandbox) -> list[str]:
    return sorted(row["Description"]
                  for row in tessitura(sandbox, "GET", "/Finance/Sources/Summary"))


def test_a_mapping_whose_source_group_was_retired_is_refused_and_the_others_run(
        sandbox: Sandbox) -> None:
    path = sandbox.manifests / "campaign_writebacks.yaml"
    path.write_text(path.read_text().replace(  # single tickets under another, active group
        "appeal: FY27 Single Tickets\n    source_group: Email Marketing",
        "appeal: FY27 Single Tickets\n    source_group: Direct Mail"))
    assert sandbox.run("apply", "--auto-approve").code == 0
    renewal, singles = _send(sandbox, "SUBS Renewal"), _send(sandbox, "SINGLES Fall")
    _source_group_inactive(sandbox, True)
    sources = _sources(sandbox)

    refused = sandbox.run("writeback", "run", "--campaign", renewal)
    assert refused.code == 1
    assert refused.err.strip() == (
        f"Error: campaign {renewal}: mapping subscriptions: its source group 'Email Marketing' "
        "(id 21) is inactive in Tessitura, so 1 sent campaign was left unwritten: reactivate "
        "it in Tessitura, or point the mapping at an active source group and run 'callboard "
        "apply'; the next 'writeback run' writes it back")
    assert (_ledgers(sandbox), _sources(sandbox)) == ({}, sources)

    run = sandbox.run("writeback", "run")
    assert run.code == 1
    assert run.out.splitlines()[0].startswith(
        f"campaign {singles} 'SINGLES Fall': written back (mapping single-tickets, source ")
    assert REFUSED in run.out.splitlines()
    assert run.err.strip() == ("Error: 1 writeback mapping refused before any write "
                               "(subscriptions), as said above")
    assert _ledgers(sandbox) == {singles: ("single-tickets", "complete")}
    assert _sources(sandbox) == sorted([*sources, "SINGLES Fall"])

    drift = sandbox.run("drift")
    assert drift.code == 1
    assert drift.err.strip().startswith(
        "Error: manifests/campaign_writebacks.yaml:6: campaign_writebacks.subscriptions."
        "source_group: source group 'Email Marketing' (id 21) is inactive in Tessitura")

    _source_group_inactive(sandbox, False)
    again = sandbox.run("writeback", "run")
    assert again.code == 0, again.err
    assert "Wrote back 2 campaigns" in again.out
    assert _ledgers(sandbox)[renewal] == ("subscriptions", "complete")
    assert sandbox.run("drift").code == 0
