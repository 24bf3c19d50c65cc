"""Markdown for pull-request comments and issues: summary first, details collapsed, and always
under GitHub's size limit (a truncation note says what was left out and where to see it all).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from engine.drift import DriftItem, DriftReport
from engine.plan.model import Change, Plan
from engine.render.lines import HEADLINES, change_lines, subject
from engine.render.values import estimate_line, summary_line
from engine.words import plural, verb

#: GitHub refuses comments over 65,536 characters; stay well under.
MAX_CHARS = 60_000
MARKER = "<!-- callboard-plan -->"
DRIFT_MARKER = "<!-- callboard-drift -->"
#: Machine-readable line naming the saved plan file a comment shows (pipelines compare it).
SHA256_MARKER = "<!-- callboard-plan-sha256: {} -->"
#: Room kept for the closing lines and the truncation note.
_RESERVE = 200


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    """``text`` as one code span even when it holds backticks (a live tag's name may): a
    fence longer than its longest run of them, padded where it starts or ends with one."""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def capped_rows(rows: list[str], budget: int,
                more: Callable[[int], str]) -> tuple[list[str], int]:
    """As many table rows as fit in ``budget`` characters, then ``more(n)`` for the ``n`` left
    out; and ``n``."""
    kept: list[str] = []
    used = 0
    for shown, row in enumerate(rows):
        if used + len(row) > budget:
            return [*kept, more(len(rows) - shown)], len(rows) - shown
        kept.append(row)
        used += len(row) + 1
    return kept, 0


def capped_blocks(blocks: list[str], budget: int) -> list[str]:
    """The leading blocks that fit in ``budget`` characters (blocks are never cut)."""
    kept: list[str] = []
    used = 0
    for block in blocks:
        if used + len(block) + 2 > budget:
            break
        kept.append(block)
        used += len(block) + 2
    return kept


def _change_row(change: Change) -> str:
    detail = change.replace_reason and f"`{change.replace_reason}` forces replacement" or (
        ", ".join(f"`{d.field}`" for d in change.diffs))
    if change.impact:
        detail = f"{detail}; {change.impact}" if detail else change.impact
    return (f"| `{change.symbol}` | `{subject(change)}` | {HEADLINES[change.action]} | "
            f"{_cell(detail)} |")


def _plan_summary(plan: Plan, max_chars: int) -> list[str]:
    if not plan.changes:
        return ["### Callboard plan: no changes\n",
                "Live Prospect2 and Tessitura objects match the manifests."]
    rows, _ = capped_rows([_change_row(c) for c in plan.changes], max_chars // 2,
                          lambda n: f"| | _…and {n} more_ | | |")
    return [f"### Callboard plan: {summary_line(plan.counts())}\n",
            "| | resource | action | details |", "|---|---|---|---|", *rows]


def _plan_notes(plan: Plan, plan_sha256: str | None) -> list[str]:
    notes: list[str] = []
    estimate = estimate_line(plan.estimates)
    if plan.changes and estimate:
        notes.append(f"\n_Estimated API calls: {estimate}._")
    for warning in plan.warnings:
        where = f" ({warning.origin})" if warning.origin else ""
        subject = f"`{warning.address}`: " if warning.address else ""
        notes.append(f"\n> **Warning**: {subject}{_cell(warning.message)}{where}")
    for problem in plan.safety_problems():
        notes.append(f"\n> **Needs `--force`**: {_cell(problem)}")
    if plan_sha256:
        notes.append(f"\nPlan file SHA-256: `{plan_sha256}`")
    return notes


def _plan_details(plan: Plan, budget: int) -> str:
    blocks = ["\n".join(f"{line.symbol or ' '} {line.text}".rstrip()
                        for line in change_lines(c, plan.secret_fields.get(c.kind, [])))
              for c in plan.changes]
    opening = "\n<details><summary>Details</summary>\n\n```diff\n"
    closing = "```\n</details>\n"
    kept = capped_blocks(blocks, budget - len(opening) - len(closing) - _RESERVE)
    out = opening + "\n\n".join(kept) + "\n" + closing
    if len(kept) < len(blocks):
        left_out = len(blocks) - len(kept)
        out += (f"\n_Details truncated: {left_out} of {plural(len(blocks), 'change')} "
                f"{verb(left_out, 'is', 'are')} not shown to keep this comment under GitHub's "
                "size limit. Run `callboard plan` or `--format json` for the full plan._\n")
    return out


def plan_markdown(plan: Plan, max_chars: int = MAX_CHARS,
                  plan_sha256: str | None = None) -> str:
    """``plan_sha256``: the saved plan file's digest, shown so a reviewer approves that file."""
    head = [MARKER]
    if plan_sha256:
        head.append(SHA256_MARKER.format(plan_sha256))
    head += _plan_summary(plan, max_chars) + _plan_notes(plan, plan_sha256)
    text = "\n".join(head) + "\n"
    if not plan.changes:
        return text
    return text + _plan_details(plan, max_chars - len(text))


def _drift_row(item: DriftItem) -> str:
    kind = item.type + (" (ignored)" if item.ignored else "")
    fields = ", ".join(f"`{d.field}`" for d in item.diffs)
    return f"| {_code(_cell(item.address))} | {kind} | {fields} |"


def drift_markdown(report: DriftReport, max_chars: int = MAX_CHARS) -> str:
    """The counts first, then one row per item (those drift.ignore matches last) as long as
    the issue stays under ``max_chars``; a note says how many rows were left out."""
    if not report.items:
        return "\n".join([DRIFT_MARKER, "### Callboard drift: none", "",
                          "Live objects match what Callboard last applied.", ""])
    counts = report.counts()
    head = [DRIFT_MARKER,
            f"### Callboard drift: {counts['changed']} changed, {counts['deleted']} "
            f"deleted, {counts['unmanaged']} unmanaged, {counts['ignored']} ignored\n",
            "| resource | drift | fields |", "|---|---|---|"]
    budget = max_chars - len("\n".join(head)) - _RESERVE
    counted_first = sorted(report.items, key=lambda item: item.ignored)
    rows, left_out = capped_rows([_drift_row(i) for i in counted_first], budget,
                                 lambda n: f"| _…and {n} more_ | | |")
    out = "\n".join(head + rows) + "\n"
    if left_out:
        out += (f"\n_Truncated: {left_out} of {plural(len(report.items), 'item')} "
                f"{verb(left_out, 'is', 'are')} not shown to keep this under GitHub's size "
                "limit. Run `callboard drift` or `--format json` for the full report._\n")
    return out
