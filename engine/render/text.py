"""Terminal renderings (rich Text): plans and drift reports, Terraform-style."""

from __future__ import annotations

from rich.text import Text

from engine.drift import DriftReport
from engine.plan.model import Plan
from engine.render.lines import change_lines, headline, list_change
from engine.render.values import estimate_line, mask, show, summary_line

STYLES = {"+": "green", "-": "red", "~": "yellow", "-/+": "magenta", "+/-": "magenta",
          "<=": "cyan", "=>": "cyan", "": "dim"}


def plan_text(plan: Plan) -> Text:
    out = Text()
    if plan.refresh_only:
        out.append("Refresh only: these changes record live values in state; nothing live "
                   "changes.\n\n", style="bold")
    if not plan.changes:
        out.append("No changes. ", style="bold green")
        out.append("Live Prospect2 and Tessitura objects match the manifests.\n")
    else:
        out.append("Callboard will perform these actions:\n\n", style="bold")
        for change in plan.changes:
            head = headline(change)
            if change.origin:
                head += f"  [{change.origin}]"
            out.append(f"  {head}\n", style="bold")
            for line in change_lines(change, plan.secret_fields.get(change.kind, [])):
                symbol = line.symbol.rjust(3) if line.symbol else "   "
                out.append(f"{symbol} {line.text}\n", style=STYLES[line.symbol])
            out.append("\n")
    for warning in plan.warnings:
        where = f" [{warning.origin}]" if warning.origin else ""
        subject = f"{warning.address}: " if warning.address else ""
        out.append(f"Warning: {subject}{warning.message}{where}\n", style="yellow")
    for problem in plan.safety_problems():
        out.append(f"Needs --force: {problem}\n", style="bold red")
    if plan.changes:
        out.append(f"\nPlan: {summary_line(plan.counts())}.\n", style="bold")
        estimate = estimate_line(plan.estimates)
        if estimate:
            out.append(f"Estimated API calls: {estimate}.\n", style="dim")
    return out


def drift_text(report: DriftReport) -> Text:
    out = Text()
    if not report.items:
        out.append("No drift. ", style="bold green")
        out.append("Live objects match what Callboard last applied.\n")
        return out
    labels = {"changed": ("~", "changed outside Callboard"),
              "deleted": ("-", "deleted outside Callboard"),
              "unmanaged": ("?", "exists but no manifest declares it")}
    for item in report.items:
        symbol, label = labels[item.type]
        suffix = " (ignored by drift.ignore)" if item.ignored else ""
        ident = f" (id {item.remote_id})" if item.remote_id else ""
        style = "dim" if item.ignored else {"~": "yellow", "-": "red", "?": "cyan"}[symbol]
        out.append(f"{symbol.rjust(3)} {item.address}{ident}: {label}{suffix}\n", style=style)
        secret = report.secret_fields.get(item.kind, [])
        for d in item.diffs:
            old = show((mask({d.field: d.before}, secret) or {})[d.field])
            new = show((mask({d.field: d.after}, secret) or {})[d.field])
            items = list_change(d.before, d.after) if d.field not in secret else None
            comment = f"  # live {items}" if items else ""
            out.append(f"      {d.field}: applied {old}, live {new}{comment}\n", style=style)
    counts = report.counts()
    out.append(f"\nDrift: {counts['changed']} changed, {counts['deleted']} deleted, "
               f"{counts['unmanaged']} unmanaged, {counts['ignored']} ignored.\n", style="bold")
    return out
