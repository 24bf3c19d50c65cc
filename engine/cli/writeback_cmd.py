"""``writeback run [--campaign ID]``: record sent campaigns in Tessitura, once (seed 002)."""

from __future__ import annotations

from datetime import date, datetime

import click

from engine import interrupts
from engine.cli import params as p
from engine.cli.runtime import Job, Runtime
from engine.errors import CallboardError
from engine.render.writeback import outcome_lines, summary_lines
from engine.sync.ports import TAG_TARGET_PORT, TagTarget
from engine.words import plural
from engine.writeback.ports import (
    CAMPAIGNS_PORT,
    MAX_PROMOTION_BATCH,
    TESSITURA_PORT,
    CampaignSource,
    WritebackSink,
)
from engine.writeback.run import CampaignOutcome, WritebackReport, WritebackRun


@click.group()
def writeback() -> None:
    """Record sent Prospect2 campaigns in Tessitura (sources and promotions)."""


@writeback.command("run")
@p.campaign
@p.back_fill_since
@p.batch_size(MAX_PROMOTION_BATCH, "Constituents")
@p.pass_runtime
def run_command(rt: Runtime, campaign_id: str | None, since: datetime | None,
                batch_size: int) -> None:
    """Write back every sent campaign that matches a mapping and is not yet written back
    (campaigns sent before a mapping's since only with --since)."""
    back_fill = since.date() if since else None
    report = rt.run(lambda job: _run(rt, job, campaign_id, batch_size, back_fill),
                    lock="writeback run")
    for line in summary_lines(report, only=campaign_id is not None):
        rt.output.line(line)
    if report.refused:  # said above, line by line; the job fails, as a failed sync's does
        names = ", ".join(r.mapping for r in report.refused)
        raise CallboardError(f"{plural(len(report.refused), 'writeback mapping')} refused "
                             f"before any write ({names}), as said above")


async def _run(rt: Runtime, job: Job, campaign_id: str | None, batch_size: int,
               back_fill: date | None) -> WritebackReport:
    campaigns = job.session.port(CAMPAIGNS_PORT)
    sink = job.session.port(TESSITURA_PORT)
    if not isinstance(campaigns, CampaignSource) or not isinstance(sink, WritebackSink):
        raise CallboardError("the installed providers offer incomplete writeback ports")
    target: TagTarget = job.session.port(TAG_TARGET_PORT)
    (await target.account()).require_connected("writeback run")

    def show(outcome: CampaignOutcome) -> None:
        for line in outcome_lines(outcome):
            rt.output.line(line)

    run = WritebackRun(campaigns, sink, job.state, batch_size=batch_size, on_outcome=show,
                       back_fill=back_fill,
                       ready=lambda: job.session.require_add_ons("writeback run"))
    with interrupts.writing():
        return await run.run(campaign_id)


COMMANDS = [writeback]
