"""``writeback run``: one line per campaign as it finishes, then the totals."""

from __future__ import annotations

from engine.words import plural, verb
from engine.writeback.run import (
    ALREADY_COMPLETE,
    RESUMED,
    WRITTEN,
    CampaignOutcome,
    WritebackReport,
)


def outcome_lines(outcome: CampaignOutcome) -> list[str]:
    """One line per campaign, plus one when several mappings matched it."""
    head = f"campaign {outcome.campaign_id} {outcome.campaign_name!r}"
    where = f"mapping {outcome.mapping_name}, source {outcome.source_id}"
    if outcome.result == ALREADY_COMPLETE:
        lines = [f"{head}: already written back ({where}, "
                 f"{plural(outcome.inserted, 'promotion')} inserted); skipped"]
    else:
        done = "resumed and written back" if outcome.result == RESUMED else "written back"
        unowned = (f"; no constituent owns {outcome.unowned_addresses} of its addresses"
                   if outcome.unowned_addresses else "")
        lines = [f"{head}: {done} ({where}): {plural(outcome.inserted, 'promotion')} inserted, "
                 f"{outcome.skipped} already present{unowned}"]
    if outcome.also_matched:
        lines.append(f"  also matches mapping {', '.join(outcome.also_matched)}; used "
                     f"{outcome.mapping_name}, the first by name")
    return lines


def _written_line(done: list[CampaignOutcome], resumed: int) -> str:
    inserted = sum(o.inserted for o in done)
    skipped = sum(o.skipped for o in done)
    unowned = sum(o.unowned_addresses for o in done)
    addresses = plural(unowned, "recipient address", "recipient addresses")
    return (f"Wrote back {plural(len(done), 'campaign')}"
            f"{f' ({resumed} resumed)' if resumed else ''}: {plural(inserted, 'promotion')} "
            f"inserted, {skipped} already present"
            + (f"; no constituent owns {addresses}." if unowned else "."))


def summary_lines(report: WritebackReport, *, only: bool = False) -> list[str]:
    """``only``: a single campaign was asked for (no notes, no "nothing needed" line)."""
    done = report.by_result(WRITTEN) + report.by_result(RESUMED)
    lines = [] if only else [f"Note: {note}" for note in report.notes]
    lines += [f"Refused {refusal.reason()}" for refusal in report.refused]
    if done:
        lines.append(_written_line(done, len(report.by_result(RESUMED))))
    elif not (only and report.by_result(ALREADY_COMPLETE)):
        lines.append("No sent campaign needed writing back.")
    if report.already_complete:
        lines.append(f"{plural(len(report.already_complete), 'campaign')} already written "
                     "back.")
    if report.before_since:
        lines.append(f"{plural(report.before_since, 'sent campaign')} "
                     f"{verb(report.before_since, 'matches', 'match')} a mapping but "
                     f"{verb(report.before_since, 'was', 'were')} sent before its since; "
                     "'writeback run --since DATE' writes back those sent on or after DATE.")
    if report.unmatched_sent:
        lines.append(f"{plural(report.unmatched_sent, 'sent campaign')} "
                     f"{verb(report.unmatched_sent, 'matches', 'match')} no writeback mapping.")
    return lines
