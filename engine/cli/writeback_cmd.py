"""``writeback run [--campaign ID]``: record sent campaigns in Tessitura, once (seed 002)."""

from __future__ import annotations

import asyncio

import click

from engine.cli.runtime import Runtime, lock_holder
from engine.errors import CallboardError
from engine.state.base import StateStore
from engine.writeback.ports import (
    CAMPAIGNS_PORT,
    MAX_PROMOTION_BATCH,
    TESSITURA_PORT,
    CampaignSource,
    WritebackSink,
)
from engine.writeback.run import (
    ALREADY_COMPLETE,
    RESUMED,
    WRITTEN,
    CampaignOutcome,
    WritebackReport,
    WritebackRun,
)


@click.group()
def writeback() -> None:
    """Record sent Prospect2 campaigns in Tessitura (sources and promotions)."""


@writeback.command("run")
@click.option("--campaign", "campaign_id", default=None, metavar="ID",
              help="Only this Prospect2 campaign (it must be sent and match a mapping).")
@click.option("--batch-size", type=click.IntRange(1, MAX_PROMOTION_BATCH),
              default=MAX_PROMOTION_BATCH, hidden=True,
              help="Constituents per LP_CALLBOARD_ADD_PROMOTIONS call (tests use small ones).")
@click.pass_obj
def run_command(rt: Runtime, campaign_id: str | None, batch_size: int) -> None:
    """Write back every sent campaign that matches a mapping and is not yet written back."""
    state = rt.open_state()
    try:
        with state.locked(lock_holder(), "writeback run"):
            report = asyncio.run(_run(rt, state, campaign_id, batch_size))
    finally:
        state.close()
    for line in summary_lines(report, only=campaign_id is not None):
        rt.output.line(line)


async def _run(rt: Runtime, state: StateStore, campaign_id: str | None,
               batch_size: int) -> WritebackReport:
    session = rt.session()
    try:
        campaigns = session.port(CAMPAIGNS_PORT)
        sink = session.port(TESSITURA_PORT)
        if not isinstance(campaigns, CampaignSource) or not isinstance(sink, WritebackSink):
            raise CallboardError("the installed providers offer incomplete writeback ports")

        def show(outcome: CampaignOutcome) -> None:
            for line in outcome_lines(outcome):
                rt.output.line(line)

        run = WritebackRun(campaigns, sink, state, batch_size=batch_size, on_outcome=show)
        return await run.run(campaign_id)
    finally:
        await session.aclose()


def outcome_lines(outcome: CampaignOutcome) -> list[str]:
    """One line per campaign, plus one when several mappings matched it."""
    head = f"campaign {outcome.campaign_id} {outcome.campaign_name!r}"
    where = f"mapping {outcome.mapping_name}, source {outcome.source_id}"
    if outcome.result == ALREADY_COMPLETE:
        lines = [f"{head}: already written back ({where}, {outcome.inserted} promotions "
                 "inserted); skipped"]
    else:
        verb = "resumed and written back" if outcome.result == RESUMED else "written back"
        unowned = (f"; no constituent owns {outcome.unowned_addresses} of its addresses"
                   if outcome.unowned_addresses else "")
        lines = [f"{head}: {verb} ({where}): {outcome.inserted} promotions inserted, "
                 f"{outcome.skipped} already present{unowned}"]
    if outcome.also_matched:
        lines.append(f"  also matches mapping {', '.join(outcome.also_matched)}; used "
                     f"{outcome.mapping_name}, the first by name")
    return lines


def summary_lines(report: WritebackReport, *, only: bool = False) -> list[str]:
    done = report.by_result(WRITTEN) + report.by_result(RESUMED)
    complete = report.by_result(ALREADY_COMPLETE)
    lines = [] if only else [f"Note: {note}" for note in report.notes]
    resumed = len(report.by_result(RESUMED))
    if done:
        inserted = sum(o.inserted for o in done)
        skipped = sum(o.skipped for o in done)
        unowned = sum(o.unowned_addresses for o in done)
        lines.append(
            f"Wrote back {_count(len(done), 'campaign')}"
            f"{f' ({resumed} resumed)' if resumed else ''}: {inserted} promotions inserted, "
            f"{skipped} already present"
            + (f"; no constituent owns {unowned} recipient addresses." if unowned else "."))
    elif not (only and complete):
        lines.append("No sent campaign needed writing back.")
    if report.already_complete:
        lines.append(f"{_count(len(report.already_complete), 'campaign')} already written "
                     "back.")
    if report.unmatched_sent:
        verb = "matches" if report.unmatched_sent == 1 else "match"
        lines.append(f"{_count(report.unmatched_sent, 'sent campaign')} {verb} no writeback "
                     "mapping.")
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


COMMANDS = [writeback]
