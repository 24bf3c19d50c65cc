"""``drift``: what changed in the services outside Callboard."""

from __future__ import annotations

import asyncio

import click

from engine.cli.runtime import Runtime
from engine.drift import DriftReport, detect_drift
from engine.manifests.loader import ManifestSet
from engine.plan.planner import scope_kinds
from engine.render.json_output import drift_json
from engine.render.markdown import drift_markdown
from engine.render.text import drift_text
from engine.state.base import StateStore


async def compute_drift(rt: Runtime, manifests: ManifestSet, state: StateStore) -> DriftReport:
    records = state.resources()
    session = rt.session()
    try:
        kinds = {k for k in scope_kinds(manifests, records) if k in session.registry}
        await session.check(kinds)
        live = await session.read_live(kinds)
        unmanaged_kinds = {k for k in kinds if session.registry[k].report_unmanaged}
        report = detect_drift(live, records, unmanaged_kinds, manifests.settings.drift.ignore,
                              {a: r.ignore_changes for a, r in manifests.resources.items()})
        report.secret_fields = {k: sorted(session.registry[k].secret_fields) for k in kinds
                                if session.registry[k].secret_fields}
        return report
    finally:
        await session.aclose()


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]),
              default="text", show_default=True)
@click.pass_context
def drift(ctx: click.Context, fmt: str) -> None:
    """Report objects changed or deleted outside Callboard, and unmanaged ones (exit 2 if any)."""
    rt: Runtime = ctx.obj
    manifests = rt.load()
    state = rt.open_state()
    try:
        report = asyncio.run(compute_drift(rt, manifests, state))
    finally:
        state.close()
    if fmt == "json":
        rt.output.raw(drift_json(report))
    elif fmt == "markdown":
        rt.output.raw(drift_markdown(report))
    else:
        rt.output.rich(drift_text(report))
    if report.has_drift:
        ctx.exit(2)


COMMANDS = [drift]
