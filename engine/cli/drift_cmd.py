"""``drift``: what changed in the services outside Callboard."""

from __future__ import annotations

import click

from engine.cli import params as p
from engine.cli.runtime import Runtime
from engine.drift import find_drift
from engine.render.outputs import render


@click.command()
@p.output_format("drift")
@p.pass_runtime
def drift(rt: Runtime, fmt: str) -> int:
    """Report objects changed or deleted outside Callboard, and unmanaged ones (exit 2 if any)."""
    manifests = rt.load()
    report = rt.run(lambda job: find_drift(job.session, manifests, job.state))
    rt.output.show(render("drift", fmt, report))
    return 2 if report.has_drift else 0


COMMANDS = [drift]
