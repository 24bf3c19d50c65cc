"""A Data Sync preview: counts first, then each address (removals red, the ones to check)."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text

from engine.artifacts import SYNC_PREVIEW
from engine.sync.runner import SyncPreview
from engine.words import plural, verb


def preview_counts(preview: SyncPreview) -> dict[str, int]:
    plan = preview.plan
    return {"list": len(plan.current), "baseline": preview.baseline_size,
            "constituents_joined": len(plan.added), "constituents_left": len(plan.removed),
            "add": len(plan.imports("add")), "resync": len(plan.imports("resync")),
            "retry": len(plan.imports("retry")), "remove": len(plan.removals()),
            "kept_shared": plan.kept_shared}


def preview_document(preview: SyncPreview) -> dict[str, Any]:
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
    })


def preview_json(preview: SyncPreview) -> str:
    return json.dumps(preview_document(preview), indent=2) + "\n"


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
    plan = preview.plan
    for item in plan.imports("add"):
        out.append(f"+ {item.address}\n", style="green")
    for item in plan.imports("resync"):
        out.append(f"~ {item.address}\n", style="yellow")
    for item in plan.imports("retry"):
        out.append(f"+ {item.address} (retry)\n", style="green")
    for removal in plan.removals():
        out.append(f"- {removal.address}\n", style="red")
    return out
