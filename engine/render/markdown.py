"""Markdown for pull-request comments: summary table first, details collapsed, bounded size."""

from __future__ import annotations

from engine.drift import DriftReport
from engine.plan.model import Plan
from engine.render.lines import HEADLINES, change_lines
from engine.render.values import estimate_line, summary_line

#: GitHub refuses comments over 65,536 characters; stay well under.
MAX_CHARS = 60_000
MARKER = "<!-- callboard-plan -->"
#: Machine-readable line naming the saved plan file a comment shows (pipelines compare it).
SHA256_MARKER = "<!-- callboard-plan-sha256: {} -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def plan_markdown(plan: Plan, max_chars: int = MAX_CHARS,
                  plan_sha256: str | None = None) -> str:
    """``plan_sha256``: the saved plan file's digest, shown so a reviewer approves that file."""
    head = [MARKER]
    if plan_sha256:
        head.append(SHA256_MARKER.format(plan_sha256))
    counts = plan.counts()
    if not plan.changes:
        head.append("### Callboard plan: no changes\n")
        head.append("Live Prospect2 and Tessitura objects match the manifests.")
    else:
        head.append(f"### Callboard plan: {summary_line(counts)}\n")
        head.append("| | resource | action | details |")
        head.append("|---|---|---|---|")
        table_budget, used = max_chars // 2, 0
        for shown, c in enumerate(plan.changes):
            detail = c.replace_reason and f"`{c.replace_reason}` forces replacement" or ", ".join(
                f"`{d.field}`" for d in c.diffs)
            if c.impact:
                detail = f"{detail}; {c.impact}" if detail else c.impact
            row = (f"| `{c.symbol}` | `{c.address}` | {HEADLINES[c.action]} | "
                   f"{_cell(detail)} |")
            if used + len(row) > table_budget:
                head.append(f"| | _…and {len(plan.changes) - shown} more_ | | |")
                break
            head.append(row)
            used += len(row) + 1
    estimate = estimate_line(plan.estimates)
    if plan.changes and estimate:
        head.append(f"\n_Estimated API calls: {estimate}._")
    for warning in plan.warnings:
        where = f" ({warning.origin})" if warning.origin else ""
        subject = f"`{warning.address}`: " if warning.address else ""
        head.append(f"\n> **Warning**: {subject}{_cell(warning.message)}{where}")
    for problem in plan.safety_problems():
        head.append(f"\n> **Needs `--force`**: {_cell(problem)}")
    if plan_sha256:
        head.append(f"\nPlan file SHA-256: `{plan_sha256}`")
    text = "\n".join(head) + "\n"
    if not plan.changes:
        return text
    blocks: list[str] = []
    for c in plan.changes:
        body = "\n".join(f"{line.symbol or ' '} {line.text}".rstrip()
                         for line in change_lines(c, plan.secret_fields.get(c.kind, [])))
        blocks.append(body)
    opening = "\n<details><summary>Details</summary>\n\n```diff\n"
    closing = "```\n</details>\n"
    budget = max_chars - len(text) - len(opening) - len(closing) - 200
    kept: list[str] = []
    used = 0
    for block in blocks:
        if used + len(block) + 2 > budget:
            break
        kept.append(block)
        used += len(block) + 2
    details = "\n\n".join(kept) + "\n"
    out = text + opening + details + closing
    if len(kept) < len(blocks):
        out += (f"\n_Details truncated: {len(blocks) - len(kept)} of {len(blocks)} changes are "
                "not shown to keep this comment under GitHub's size limit. Run `callboard plan` "
                "or `--format json` for the full plan._\n")
    return out


def drift_markdown(report: DriftReport) -> str:
    counts = report.counts()
    lines = ["<!-- callboard-drift -->"]
    if not report.items:
        return "\n".join([*lines, "### Callboard drift: none", "",
                          "Live objects match what Callboard last applied.", ""])
    lines.append(f"### Callboard drift: {counts['changed']} changed, {counts['deleted']} "
                 f"deleted, {counts['unmanaged']} unmanaged, {counts['ignored']} ignored\n")
    lines.append("| resource | drift | fields |")
    lines.append("|---|---|---|")
    for item in report.items:
        kind = item.type + (" (ignored)" if item.ignored else "")
        fields = ", ".join(f"`{d.field}`" for d in item.diffs)
        lines.append(f"| `{_cell(item.address)}` | {kind} | {fields} |")
    return "\n".join(lines) + "\n"
