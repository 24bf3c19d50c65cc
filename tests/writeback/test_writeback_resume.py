"""The run's exactly-once promise, with in-memory services standing in for the two ports.

The ports are the engine's own Protocols (not HTTP clients); state is a real SQLite file, so
a "re-run" here is a new ``WritebackRun`` over the same state, as after a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from engine.errors import CallboardError, ProviderError
from engine.state.sqlite import SqliteState
from engine.writeback.ports import (
    Campaign,
    PromotionCount,
    RetiredCode,
    SourceRequest,
    WritebackMapping,
    WritebackSource,
)
from engine.writeback.run import ALREADY_COMPLETE, RESUMED, WRITTEN, WritebackRun

SUBS = WritebackMapping(id="1", name="subs", appeal_id=501, source_group_id=21,
                        campaign_name_glob="SUBS *")


class Mailbox:
    """Prospect2 as the run sees it: campaigns, mappings, recipients."""

    def __init__(self, recipients: dict[str, list[str]]) -> None:
        self.recipients = recipients
        self.list = [Campaign(cid, f"SUBS {cid}", True, "5") for cid in recipients]

    async def campaigns(self) -> list[Campaign]:
        return self.list

    async def mappings(self) -> list[WritebackMapping]:
        return [SUBS]

    async def recipient_emails(self, campaign_id: str) -> list[str]:
        return self.recipients[campaign_id]


class Crm:
    """Tessitura as the procedures behave: idempotent sources and promotions.

    ``fail_at_batch`` makes that promotion call fail once, after writing (its answer lost).
    """

    def __init__(self, state: SqliteState | None = None, fail_at_batch: int | None = None) -> None:
        self.state = state
        self.fail_at_batch = fail_at_batch
        self.sources: dict[str, int] = {}
        self.promoted: dict[int, set[int]] = {}
        self.batches: list[list[int]] = []
        self.ledger_seen_before_write: list[bool] = []
        self.retired: list[RetiredCode] = []

    async def owners(self, emails: Sequence[str]) -> dict[str, int | None]:
        return {e: int(e.split("@")[0][1:]) if e.startswith("p") else None for e in emails}

    async def retired_codes(self, mapping: WritebackMapping) -> list[RetiredCode]:
        return list(self.retired)  # set by a test: every mapping's codes, as retired

    async def find_or_create_source(self, request: SourceRequest) -> WritebackSource:
        if self.state is not None:
            campaign_id = request.campaign_ref.rsplit(":", 1)[1]
            self.ledger_seen_before_write.append(
                self.state.writeback_ledger(campaign_id) is not None)
        created = request.campaign_ref not in self.sources
        source_id = self.sources.setdefault(request.campaign_ref, 100 + len(self.sources))
        return WritebackSource(source_id, created)

    async def add_promotions(self, source_id: int,
                             constituent_ids: Sequence[int]) -> PromotionCount:
        self.batches.append(list(constituent_ids))
        promoted = self.promoted.setdefault(source_id, set())
        fresh = set(constituent_ids) - promoted
        promoted |= fresh
        if len(self.batches) == self.fail_at_batch:
            raise ProviderError("Tessitura POST /Custom/Execute failed with 500")
        return PromotionCount(len(fresh), len(constituent_ids) - len(fresh))


@pytest.fixture
def state(tmp_path: Path) -> SqliteState:
    return SqliteState(tmp_path / "state.db")


def emails(*numbers: int) -> list[str]:
    return [f"p{n}@example.org" for n in numbers]


@pytest.mark.anyio
async def test_the_ledger_is_stored_before_the_first_write(state: SqliteState) -> None:
    crm = Crm(state)
    report = await WritebackRun(Mailbox({"7": emails(5, 3, 9) + ["x@nowhere.org"]}), crm,
                                state, batch_size=2).run()
    assert crm.ledger_seen_before_write == [True]
    assert crm.batches == [[3, 5], [9]]
    [outcome] = report.outcomes
    assert (outcome.result, outcome.inserted, outcome.unowned_addresses) == (WRITTEN, 3, 1)
    assert state.writeback_statuses() == {"7": "complete"}


@pytest.mark.anyio
async def test_an_interrupted_run_resumes_at_the_first_unconfirmed_batch(
        state: SqliteState) -> None:
    mailbox = Mailbox({"7": emails(*range(1, 11))})
    crm = Crm(fail_at_batch=3)
    with pytest.raises(ProviderError):
        await WritebackRun(mailbox, crm, state, batch_size=3).run()
    ledger = state.writeback_ledger("7")
    assert ledger is not None
    assert (ledger.status, ledger.batches_confirmed, ledger.inserted) == ("started", 2, 6)

    mailbox.recipients["7"] = emails(50, 51)  # recipients read again would differ: frozen
    crm.fail_at_batch = None
    report = await WritebackRun(mailbox, crm, state, batch_size=3).run()

    assert crm.batches == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [7, 8, 9], [10]]
    assert crm.promoted == {100: set(range(1, 11))}
    [outcome] = report.outcomes
    assert (outcome.result, outcome.inserted, outcome.skipped) == (RESUMED, 7, 3)
    assert outcome.inserted + outcome.skipped == 10


@pytest.mark.anyio
async def test_a_complete_campaign_is_skipped_and_a_new_one_written(state: SqliteState) -> None:
    mailbox = Mailbox({"7": emails(1, 2)})
    await WritebackRun(mailbox, Crm(), state).run()
    mailbox.recipients["8"] = emails(4)
    mailbox.list.append(Campaign("8", "SUBS later", True, "5"))
    crm = Crm()
    report = await WritebackRun(mailbox, crm, state).run()
    assert [(o.campaign_id, o.result) for o in report.outcomes] == [("8", WRITTEN)]
    assert report.already_complete == ["7"]
    assert crm.batches == [[4]]

    again = await WritebackRun(mailbox, crm, state).run("7")
    assert [(o.result, o.inserted) for o in again.outcomes] == [(ALREADY_COMPLETE, 2)]
    assert crm.batches == [[4]]


@pytest.mark.anyio
async def test_a_campaign_nobody_owns_still_gets_its_source(state: SqliteState) -> None:
    crm = Crm()
    report = await WritebackRun(Mailbox({"7": ["x@nowhere.org"]}), crm, state).run()
    assert crm.sources == {"prospect2:campaign:7": 100}
    assert crm.batches == []
    assert report.outcomes[0].unowned_addresses == 1
    assert state.writeback_statuses() == {"7": "complete"}


@pytest.mark.anyio
async def test_a_retired_code_refuses_new_campaigns_but_a_started_one_finishes(
        state: SqliteState) -> None:
    """A campaign frozen before its mapping's appeal was retired finishes under the codes it
    froze (a started writeback is a promise); a new one under that mapping is not started."""
    mailbox = Mailbox({"7": emails(1, 2, 3, 4)})
    with pytest.raises(ProviderError):
        await WritebackRun(mailbox, Crm(fail_at_batch=2), state, batch_size=2).run()
    mailbox.recipients["8"] = emails(9)
    mailbox.list.append(Campaign("8", "SUBS later", True, "5"))
    crm = Crm()
    crm.retired = [RetiredCode("appeal", "FY27 Subscriptions", 501)]

    report = await WritebackRun(mailbox, crm, state, batch_size=2).run()
    assert [(o.campaign_id, o.result) for o in report.outcomes] == [("7", RESUMED)]
    assert [(r.mapping, r.campaigns) for r in report.refused] == [("subs", 1)]
    assert crm.batches == [[3, 4]]
    assert state.writeback_statuses() == {"7": "complete"}
    with pytest.raises(CallboardError, match="^campaign 8: mapping subs: its appeal 'FY27 "
                                             "Subscriptions' \\(id 501\\) is inactive"):
        await WritebackRun(mailbox, crm, state).run("8")
    assert crm.sources == {}  # campaign 7's source came from the first run; none since
