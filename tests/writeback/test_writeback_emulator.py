"""Writeback runs against the in-process emulators, checked through Tessitura's own API."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from engine.errors import CallboardError, ProviderError
from engine.state.sqlite import SqliteState
from engine.writeback.run import RESUMED, WRITTEN, WritebackReport, WritebackRun

from .writeback_support import APPEAL_ID, FailAfterPromotionBatches, Organization, writeback_ports

pytestmark = pytest.mark.anyio

EXECUTE = "POST /TessituraService/Custom/Execute"


@pytest.fixture
def state(tmp_path: Path) -> SqliteState:
    return SqliteState(tmp_path / "state.db")


async def run(transport: httpx.AsyncBaseTransport, state: SqliteState, *,
              campaign: str | None = None, batch_size: int = 1000) -> WritebackReport:
    campaigns, sink = writeback_ports(transport)
    try:
        return await WritebackRun(campaigns, sink, state, batch_size=batch_size).run(campaign)
    finally:
        await campaigns.client.aclose()
        await sink.client.aclose()


async def assert_promoted_exactly(organization: Organization, source_id: int,
                                  expected: set[int]) -> None:
    """The source has as many promotions as expected, and each expected one exists."""
    assert (await organization.source(source_id))["NumContacts"] == len(expected)
    again = await organization.promotions_already_present(source_id, expected)
    assert again == {"Inserted": 0, "Skipped": len(expected)}


async def test_a_run_writes_one_source_and_a_promotion_per_recipient_constituent(
        organization: Organization, state: SqliteState) -> None:
    await organization.add_mapping("subscriptions", {"campaignName": "subs *"})
    campaign_id = await organization.send_campaign("SUBS Autumn Season", 150)
    expected, unowned = await organization.recipient_constituents(campaign_id)

    report = await run(organization.transport, state)

    by_id = {o.campaign_id: o for o in report.outcomes}
    assert set(by_id) == {campaign_id}
    # the seeded "SUBS Spring Preview" matches too, but was sent before the mapping was made
    assert report.before_since == 1
    outcome = by_id[campaign_id]
    assert (outcome.result, outcome.mapping_name) == (WRITTEN, "subscriptions")
    assert (outcome.inserted, outcome.skipped) == (len(expected), 0)
    assert outcome.unowned_addresses == unowned
    assert report.unmatched_sent == 1  # "Lakeside Monthly - August"
    assert outcome.source_id is not None
    source = await organization.source(outcome.source_id)
    assert (source["Description"], source["Appeal"]["Id"]) == ("SUBS Autumn Season", APPEAL_ID)
    assert (source["SourceGroup"]["Id"], source["MediaType"]["Id"]) == (21, 7)
    await assert_promoted_exactly(organization, outcome.source_id, expected)
    found = await organization.execute(
        "LP_CALLBOARD_WRITEBACK_SOURCE", appeal_id=APPEAL_ID, source_group_id=21,
        media_type_id=7, campaign_ref=f"prospect2:campaign:{campaign_id}")
    assert found == {"SourceId": outcome.source_id, "Created": False}


async def test_a_second_run_writes_nothing(organization: Organization,
                                           state: SqliteState) -> None:
    await organization.add_mapping("everything", {"campaignName": "*"}, since="2026-01-01")
    first = await run(organization.transport, state)
    assert len(first.outcomes) == 2
    writes = await organization.requests(EXECUTE)

    second = await run(organization.transport, state)

    assert await organization.requests(EXECUTE) == writes
    assert (second.outcomes, len(second.already_complete)) == ([], 2)


async def test_recipients_no_constituent_owns_are_counted_not_errors(
        organization: Organization, state: SqliteState) -> None:
    await organization.add_contact("stranger@nowhere.example")
    await organization.add_contact("another.stranger@nowhere.example")
    await organization.add_mapping("gala", {"campaignName": "Gala *"})
    campaign_id = await organization.send_campaign("Gala Invitation", 10_000)  # every contact
    expected, unowned = await organization.recipient_constituents(campaign_id)
    assert unowned == 2

    report = await run(organization.transport, state, campaign=campaign_id)

    [outcome] = report.outcomes
    assert (outcome.unowned_addresses, outcome.inserted) == (2, len(expected))
    assert outcome.source_id is not None
    await assert_promoted_exactly(organization, outcome.source_id, expected)


async def test_a_run_cut_off_by_an_outage_finishes_exactly_once_when_run_again(
        organization: Organization, state: SqliteState) -> None:
    await organization.add_mapping("subscriptions", {"campaignName": "SUBS Winter*"})
    campaign_id = await organization.send_campaign("SUBS Winter", 100)
    expected, _ = await organization.recipient_constituents(campaign_id)
    outage = FailAfterPromotionBatches(organization.transport, allowed=3)

    with pytest.raises(ProviderError, match="500"):
        await run(outage, state, batch_size=7)

    ledger = state.writeback_ledger(campaign_id)
    assert ledger is not None and ledger.status == "started"
    assert ledger.batches_confirmed == 3
    await organization.faults(error_rate=0.0)

    report = await run(organization.transport, state, batch_size=7)

    [outcome] = report.outcomes
    assert outcome.result == RESUMED
    assert outcome.inserted + outcome.skipped == len(expected)
    assert outcome.source_id is not None
    await assert_promoted_exactly(organization, outcome.source_id, expected)
    assert await organization.sources_described("SUBS Winter") == [outcome.source_id]


async def test_one_campaign_that_matches_no_mapping_is_one_clear_error(
        organization: Organization, state: SqliteState) -> None:
    await organization.add_mapping("subscriptions", {"campaignName": "SUBS *"})
    with pytest.raises(CallboardError, match="campaign 2 .* matches no writeback mapping"):
        await run(organization.transport, state, campaign="2")
    assert await organization.requests(EXECUTE) == 0
    assert state.writeback_statuses() == {}
