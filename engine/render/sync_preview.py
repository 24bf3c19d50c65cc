"""A Data Sync preview: counts first, then each address (removals red, the ones to check).

Re-syncs show the contact data they would send. That is personal data (membership levels,
giving), so the JSON output, made to be saved and shared, masks values unless the user asks
for them (``--show-values``); the terminal shows them.
"""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text

from engine.artifacts import SYNC_PREVIEW
from engine.sync.contact_data import ValueProblem
from engine.sync.run_plan import ImportItem, SyncRunPlan
from engine.sync.runner import SyncPreview
from engine.words import plural, verb


def preview_counts(preview: SyncPreview) -> dict[str, int]:
    plan = preview.plan
    return {"list": len(plan.current), "baseline": preview.baseline_size,
            "constituents_joined": len(plan.added), "constituents_left": len(plan.removed),
            "add": len(plan.imports("add")), "resync": len(plan.imports("resync")),
            "retry": len(plan.imports("retry")), "remove": len(plan.removals()),
            "kept_shared": plan.kept_shared}


MASKED = "***"


def _values(plan: SyncRunPlan, item: ImportItem, show: bool) -> dict[str, str | None]:
    """An import's contact data by perstag; None: left out (it does not fit its field)."""
    return {name: (value if show or value is None else MASKED)
            for name, value in zip(plan.field_names, item.values, strict=False)}


def _left_out(plan: SyncRunPlan, show: bool) -> dict[str, list[str]]:
    return {address: [ValueProblem(*problem).describe(show_value=show) for problem in problems]
            for address, problems in sorted(plan.value_problems.items())}


def preview_document(preview: SyncPreview, show_values: bool = False) -> dict[str, Any]:
    plan = preview.plan
    return SYNC_PREVIEW.stamp({
        "sync": preview.definition.address,
        "list_id": preview.definition.list_id,
        "regenerated": preview.regenerated,
        "unfinished_run": preview.unfinished_run,
        "counts": preview_counts(preview),
        "add": [i.address for i in plan.imports("add")],
        "resync": [i.address for i in plan.imports("resync")],
        "retry": [i.address for i in plan.imports("retry")],
        "remove": [r.address for r in plan.removals()],
        "contact_fields": list(plan.field_names),
        "values_shown": show_values,
        "resync_values": {i.address: _values(plan, i, show_values)
                          for i in plan.imports("resync")},
        "values_left_out": _left_out(plan, show_values),
        "needs_force": preview.needs_force,
        "tag_changed": preview.tag_changed,
    })


def preview_json(preview: SyncPreview, show_values: bool = False) -> str:
    return json.dumps(preview_document(preview, show_values), indent=2) + "\n"


def _heading(preview: SyncPreview, counts: dict[str, int]) -> list[str]:
    definition = preview.definition
    source = ("the list regenerated now, as a run does" if preview.regenerated else
              "the list as last generated (--no-regenerate), which a run would regenerate first")
    lines = [
        f"Preview of {definition.address} (tag {definition.tag!r}, {definition.mode}); "
        f"{source}",
        f"  list: {plural(counts['list'], 'constituent')}, baseline: {counts['baseline']} "
        f"({counts['constituents_joined']} joined, {counts['constituents_left']} left)",
        f"  {counts['add']} to add, {counts['resync']} to re-sync, {counts['retry']} to "
        f"retry, {counts['remove']} to remove"]
    if definition.run_by_prospect2:
        lines.append("  runner: prospect2: Prospect2 runs this sync from a baseline of its own, "
                     "which its API does not show; these counts are against Callboard's")
        if definition.runner_changed_outside:
            lines.append("  runner: prospect2 was set in Prospect2 outside Callboard (which "
                         "last applied runner: callboard): 'callboard apply' sets it back")
    planned = preview.plan.counts
    if preview.plan.header.purpose_id is not None:  # planned: a run reports what it set
        lines.append(f"  contact point purpose: to add to {planned.purposes_added}, to remove "
                     f"from {planned.purposes_removed} (trigger webhooks; an address "
                     "Prospect2 refuses to import gets none)")
    left_out = len(preview.plan.value_problems)
    if left_out:
        lines.append(f"  {plural(left_out, 'import')} {verb(left_out, 'leaves', 'leave')} a "
                     "value out: it does not fit its field (listed below)")
    if counts["kept_shared"]:
        kept = counts["kept_shared"]
        lines.append(f"  {plural(kept, 'address', 'addresses')} of leavers "
                     f"{verb(kept, 'keeps', 'keep')} the tag: a listed constituent still "
                     f"{verb(kept, 'owns it', 'owns them')}")
    return lines


def preview_text(preview: SyncPreview) -> Text:
    out = Text()
    for line in _heading(preview, preview_counts(preview)):
        out.append(line + "\n")
    if preview.unfinished_run:
        out.append("  an interrupted run is unfinished: the next run finishes it first\n",
                   style="yellow")
    if preview.needs_force:
        out.append(f"  a run would stop before any write: {preview.needs_force}\n",
                   style="yellow")
    if preview.tag_changed:
        out.append(f"  {preview.tag_changed}\n", style="yellow")
    plan = preview.plan
    for item in plan.imports("add"):
        out.append(f"+ {item.address}\n", style="green")
    for item in plan.imports("resync"):
        carried = ", ".join(f"{name}={'(left out)' if value is None else value}"
                            for name, value in _values(plan, item, True).items())
        out.append(f"~ {item.address}" + (f"  {carried}" if carried else "") + "\n",
                   style="yellow")
    for item in plan.imports("retry"):
        out.append(f"+ {item.address} (retry)\n", style="green")
    for removal in plan.removals():
        out.append(f"- {removal.address}\n", style="red")
    for address, problems in _left_out(plan, True).items():
        out.append(f"! {address}: {'; '.join(problems)}\n", style="yellow")
    return out
