"""``writeback run``: record each sent, mapped campaign in Tessitura exactly once (seed 002).

For each campaign: read its recipients, find the constituent owning each address, freeze the
sorted list in a state ledger *before* the first write, then find-or-create the campaign's
source and add promotions in batches, saving the ledger after each confirmed batch. A re-run
skips complete campaigns and resumes unfinished ones at their first unconfirmed batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from engine import interrupts
from engine.errors import CallboardError
from engine.interrupts import Interrupted
from engine.state.base import WritebackLedger, WritebackLedgers
from engine.writeback import ledger as ledgers
from engine.writeback.matching import (
    MappingChoice,
    choose_mapping,
    sent_too_early,
    tag_mappings_without_tags,
)
from engine.writeback.ports import (
    MAX_PROMOTION_BATCH,
    Campaign,
    CampaignSource,
    SourceRequest,
    WritebackMapping,
    WritebackSink,
    campaign_ref,
)
from engine.writeback.recipients import (
    RecipientConstituents,
    distinct_addresses,
    resolve_constituents,
)
from engine.writeback.refusals import MappingRefusal

log = logging.getLogger(__name__)

WRITTEN, RESUMED, ALREADY_COMPLETE = "written", "resumed", "already complete"


@dataclass(frozen=True)
class CampaignOutcome:
    """What a run did for one campaign (totals from its ledger, across runs)."""

    campaign_id: str
    campaign_name: str
    mapping_name: str
    source_id: int | None
    constituents: int
    inserted: int
    skipped: int
    unowned_addresses: int
    result: str
    also_matched: tuple[str, ...] = ()


@dataclass
class WritebackReport:
    outcomes: list[CampaignOutcome] = field(default_factory=list)
    #: Sent campaigns no mapping matched (only counted, they are not Callboard's business).
    unmatched_sent: int = 0
    #: Campaigns a full run skipped as already written back (ids; their ledgers stay unread).
    already_complete: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Sent, matched campaigns left alone: sent before their mapping's ``since``.
    before_since: int = 0
    #: Mappings left alone before any write (a code retired in Tessitura), by name.
    refused: list[MappingRefusal] = field(default_factory=list)

    def by_result(self, result: str) -> list[CampaignOutcome]:
        return [o for o in self.outcomes if o.result == result]


@dataclass(frozen=True)
class WritebackTask:
    """One campaign to work on: a fresh start (with its mapping) or a ledger to resume."""

    campaign: Campaign
    choice: MappingChoice | None
    ledger_status: str | None


@dataclass
class WritebackPlan:
    """What a run will do: campaigns to write or resume, and what it leaves alone."""

    tasks: list[WritebackTask] = field(default_factory=list)
    unmatched_sent: int = 0
    already_complete: list[str] = field(default_factory=list)
    before_since: int = 0


def plan_tasks(campaigns: Sequence[Campaign], mappings: Sequence[WritebackMapping],
               statuses: Mapping[str, str], only: str | None = None,
               back_fill: date | None = None) -> WritebackPlan:
    """The campaigns a run works on, in id order.

    A campaign with a started ledger is finished even if its mapping has since changed: a
    started writeback is a promise to complete it with what was frozen. A full run only
    counts complete ones; ``only`` (``--campaign``) reports its campaign whatever its state.
    Campaigns sent before their mapping's ``since`` are left alone unless ``back_fill``
    (``--since``) reaches back to them.
    """
    by_id = {c.id: c for c in campaigns}
    if only is not None:
        return WritebackPlan([_only_task(only, by_id.get(only), mappings, statuses,
                                         back_fill)])
    plan = WritebackPlan()
    for campaign_id in sorted(set(by_id) | set(statuses), key=_id_order):
        campaign = by_id.get(campaign_id) or Campaign(campaign_id, "", False)
        status = statuses.get(campaign_id)
        if status == ledgers.COMPLETE:
            plan.already_complete.append(campaign_id)
        elif status is not None:
            plan.tasks.append(WritebackTask(campaign, None, status))
        elif campaign.sent:
            choice = choose_mapping(campaign, mappings)
            if choice is None:
                plan.unmatched_sent += 1
            elif sent_too_early(campaign, choice.mapping, back_fill):
                plan.before_since += 1
            else:
                plan.tasks.append(WritebackTask(campaign, choice, None))
    return plan


def _only_task(campaign_id: str, campaign: Campaign | None,
               mappings: Sequence[WritebackMapping], statuses: Mapping[str, str],
               back_fill: date | None) -> WritebackTask:
    status = statuses.get(campaign_id)
    if status is not None:
        return WritebackTask(campaign or Campaign(campaign_id, "", False), None, status)
    if campaign is None:
        raise CallboardError(f"Prospect2 has no campaign {campaign_id}")
    if not campaign.sent:
        raise CallboardError(f"campaign {campaign_id} ({campaign.name!r}) has not been sent "
                             f"(status {campaign.status}); only sent campaigns are written back")
    choice = choose_mapping(campaign, mappings)
    if choice is None:
        names = ", ".join(f"{m.name} ({m.describe_match()})" for m in mappings) or "none exist"
        raise CallboardError(f"campaign {campaign_id} ({campaign.name!r}) matches no writeback "
                             f"mapping (mappings: {names})")
    since = sent_too_early(campaign, choice.mapping, back_fill)
    if since is not None:
        raise CallboardError(
            f"campaign {campaign_id} ({campaign.name!r}) was sent on {campaign.sent_on}, before "
            f"mapping {choice.mapping.name}'s since ({since}), so it is not written back; add "
            f"--since {campaign.sent_on} to write it back on purpose")
    return WritebackTask(campaign, choice, None)


def _id_order(campaign_id: str) -> tuple[int, str]:
    return (int(campaign_id), "") if campaign_id.isdigit() else (1 << 62, campaign_id)


class WritebackRun:
    """One ``writeback run``: campaigns one after another, promotions in batches.

    ``on_outcome`` is called as each campaign finishes, so a run that fails later still
    shows what it completed.
    """

    def __init__(self, campaigns: CampaignSource, sink: WritebackSink, state: WritebackLedgers, *,
                 batch_size: int = MAX_PROMOTION_BATCH,
                 on_outcome: Callable[[CampaignOutcome], None] | None = None,
                 back_fill: date | None = None,
                 ready: Callable[[], Awaitable[None]] | None = None) -> None:
        """``back_fill`` (``--since``): also campaigns sent on or after that day, before their
        mapping's own ``since``. ``ready`` refuses the run before its first write (an add-on
        missing); it is awaited only when there is something to write back."""
        self.ready = ready
        self.campaigns = campaigns
        self.back_fill = back_fill
        self.sink = sink
        self.state = state
        self.batch_size = ledgers.check_batch_size(batch_size)
        self.on_outcome = on_outcome

    async def run(self, only_campaign: str | None = None) -> WritebackReport:
        campaigns = await self.campaigns.campaigns()
        mappings = await self.campaigns.mappings()
        statuses = await asyncio.to_thread(self.state.writeback_statuses)  # off the loop
        plan = plan_tasks(campaigns, mappings, statuses, only_campaign, self.back_fill)
        report = WritebackReport(unmatched_sent=plan.unmatched_sent,
                                 already_complete=plan.already_complete,
                                 before_since=plan.before_since)
        for mapping in tag_mappings_without_tags(campaigns, mappings):
            report.notes.append(
                f"mapping {mapping.name} matches by campaign tag ({mapping.campaign_tag!r}), "
                "but Prospect2 reports no tags on campaigns, so it matched nothing")
        plan.tasks, report.refused = await self._without_retired(plan.tasks, only_campaign)
        if plan.tasks and self.ready is not None:
            await self.ready()
        for number, task in enumerate(plan.tasks):
            if interrupts.stop_requested():
                raise Interrupted(f"{number} of {len(plan.tasks)} campaigns written back")
            outcome = await self._one(task, f"{number} of {len(plan.tasks)} campaigns "
                                      "written back")
            report.outcomes.append(outcome)
            if self.on_outcome is not None:
                self.on_outcome(outcome)
        return report

    async def _without_retired(self, tasks: list[WritebackTask], only: str | None
                               ) -> tuple[list[WritebackTask], list[MappingRefusal]]:
        """The tasks whose mapping's codes are all active, and the mappings refused: a run
        never writes a new source under a code Tessitura retired after apply. Resumed
        campaigns finish under the codes they froze, as every resume does."""
        mappings = {t.choice.mapping.id: t.choice.mapping for t in tasks if t.choice}
        refused: dict[str, MappingRefusal] = {}
        for mapping_id, mapping in sorted(mappings.items(), key=lambda m: m[1].name):
            codes = await self.sink.retired_codes(mapping)
            if codes:
                waiting = sum(1 for t in tasks if t.choice and t.choice.mapping.id == mapping_id)
                refused[mapping_id] = MappingRefusal(mapping.name, tuple(codes), waiting)
        if refused and only is not None:
            [refusal] = refused.values()
            raise CallboardError(f"campaign {only}: {refusal.reason()}")
        kept = [t for t in tasks if t.choice is None or t.choice.mapping.id not in refused]
        return kept, list(refused.values())

    async def _one(self, task: WritebackTask, finished: str) -> CampaignOutcome:
        if task.ledger_status is not None:
            ledger = await asyncio.to_thread(self.state.writeback_ledger, task.campaign.id)
            if ledger is None:
                raise CallboardError(f"campaign {task.campaign.id}: its writeback ledger "
                                     "vanished from state during the run")
            if ledger.status == ledgers.COMPLETE:
                return _outcome(ledger, ALREADY_COMPLETE)
            ledgers.verify(ledger)
            log.info("writeback: resuming campaign %s at batch %s", ledger.campaign_id,
                     ledger.batches_confirmed + 1)
            await self._write(ledger)
            return _outcome(ledger, RESUMED)
        assert task.choice is not None
        ledger = await self._freeze(task.campaign, task.choice, finished)
        await self._write(ledger)
        return _outcome(ledger, WRITTEN, task.choice.also_matched)

    async def _freeze(self, campaign: Campaign, choice: MappingChoice,
                      finished: str) -> WritebackLedger:
        """Read recipients and owners (no writes yet: Ctrl-C drops the reads at once, one
        lookup per address can take minutes), then store the ledger."""
        recipients = await interrupts.read_unless_stopped(
            self._recipients(campaign),
            f"{finished}; campaign {campaign.id}: nothing written, stopped while finding "
            "its recipients' constituents")
        ledger = ledgers.new_ledger(campaign, choice, recipients, self.batch_size)
        await asyncio.to_thread(self.state.start_writeback, ledger)
        log.info("writeback: campaign %s: %s constituents frozen under mapping %s",
                 campaign.id, len(ledger.constituent_ids), choice.mapping.name)
        return ledger

    async def _recipients(self, campaign: Campaign) -> RecipientConstituents:
        addresses = distinct_addresses(await self.campaigns.recipient_emails(campaign.id))
        return resolve_constituents(addresses, await self.sink.owners(addresses))

    async def _write(self, ledger: WritebackLedger) -> None:
        if interrupts.stop_requested():  # not even the source: nothing new starts
            raise _stopped(ledger, ledger.batches_confirmed)
        if ledger.source_id is None:
            source = await self.sink.find_or_create_source(SourceRequest(
                appeal_id=ledger.appeal_id, source_group_id=ledger.source_group_id,
                media_type_id=ledger.media_type_id, description=ledger.campaign_name,
                campaign_ref=campaign_ref(ledger.campaign_id)))
            ledger.source_id = source.source_id
            ledgers.finish_if_done(ledger)
            await asyncio.to_thread(self.state.update_writeback_progress, ledger)
        source_id = ledger.source_id
        assert source_id is not None
        for index, batch in ledgers.pending_batches(ledger):
            if interrupts.stop_requested():
                raise _stopped(ledger, index)
            count = await self.sink.add_promotions(source_id, batch)
            ledgers.confirm_batch(ledger, index, batch, count)
            await asyncio.to_thread(self.state.update_writeback_progress, ledger)
            log.info("writeback: campaign %s: batch %s/%s confirmed", ledger.campaign_id,
                     index + 1, ledgers.batch_count(ledger))
        if ledger.status != ledgers.COMPLETE:
            if not ledgers.finish_if_done(ledger):
                raise CallboardError(
                    f"campaign {ledger.campaign_id}: writeback did not complete")
            await asyncio.to_thread(self.state.update_writeback_progress, ledger)


def _stopped(ledger: WritebackLedger, confirmed: int) -> Interrupted:
    return Interrupted(f"campaign {ledger.campaign_id}: {confirmed} of "
                       f"{ledgers.batch_count(ledger)} promotion batches confirmed and recorded")


def _outcome(ledger: WritebackLedger, result: str,
             also_matched: Sequence[WritebackMapping] = ()) -> CampaignOutcome:
    return CampaignOutcome(
        campaign_id=ledger.campaign_id, campaign_name=ledger.campaign_name,
        mapping_name=ledger.mapping_name, source_id=ledger.source_id,
        constituents=len(ledger.constituent_ids), inserted=ledger.inserted,
        skipped=ledger.skipped, unowned_addresses=ledger.unowned_addresses, result=result,
        also_matched=tuple(m.name for m in also_matched))
