"""``validate``, ``plan`` and ``apply``."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
from pathlib import Path

import click

from engine.apply.executor import apply_plan, check_made_from
from engine.cli.log_format import error_annotation, warning_annotation
from engine.cli.runtime import Runtime, lock_holder
from engine.errors import CallboardError, ManifestError, ManifestErrors, PlanRefused, StalePlan
from engine.manifests.files import manifest_digest
from engine.manifests.loader import ManifestSet
from engine.plan.model import Change, Plan, PlanWarning
from engine.plan.planner import make_plan, resolve_desired
from engine.render.json_output import plan_document, plan_json
from engine.render.markdown import plan_markdown
from engine.render.text import plan_text
from engine.resources import split_address
from engine.state.base import StateStore

FORMATS = click.Choice(["text", "markdown", "json"])


def show_plan(rt: Runtime, plan: Plan, fmt: str, plan_sha256: str | None = None) -> None:
    if fmt == "json":
        rt.output.raw(plan_json(plan))
    elif fmt == "markdown":
        rt.output.raw(plan_markdown(plan, plan_sha256=plan_sha256))
    else:
        rt.output.rich(plan_text(plan))


@click.command()
@click.option("--online", is_flag=True, help="Also check live reference data and the services.")
@click.option("--format", "fmt", type=click.Choice(["text", "github"]), default="text",
              show_default=True,
              help="github: print errors and warnings as GitHub workflow annotations.")
@click.pass_context
def validate(ctx: click.Context, online: bool, fmt: str) -> None:
    """Check the manifests: schema, names, references (and, --online, live data)."""
    rt: Runtime = ctx.obj
    if fmt == "github":
        ctx.exit(_validate_github(rt, online))
    manifests = rt.load()
    warnings = asyncio.run(_validate_online(rt, manifests)) if online else []
    for warning in warnings:
        where = f" [{warning.origin}]" if warning.origin else ""
        rt.output.line(f"Warning: {warning.address}: {warning.message}{where}", style="yellow")
    files = len({r.origin.file for r in manifests.resources.values()})
    rt.output.line(f"Success: {len(manifests.resources)} resources in {files} files are valid"
                   f"{' and resolve against live data' if online else ''}.", style="green")


def _validate_github(rt: Runtime, online: bool) -> int:
    """Annotations on stdout, where the runner reads workflow commands; exit 1 on errors."""
    try:
        manifests = rt.load()
        warnings = asyncio.run(_validate_online(rt, manifests)) if online else []
    except ManifestErrors as exc:
        errors = exc.errors
    except ManifestError as exc:
        errors = [exc]
    except CallboardError as exc:
        errors = [ManifestError(message) for message in str(exc).splitlines()]
    else:
        for warning in warnings:
            rt.output.raw(warning_annotation(warning) + "\n")
        rt.output.line(f"Success: {len(manifests.resources)} resources are valid"
                       f"{' and resolve against live data' if online else ''}.")
        return 0
    for error in errors:
        rt.output.raw(error_annotation(error) + "\n")
    return 1


async def _validate_online(rt: Runtime, manifests: ManifestSet) -> list[PlanWarning]:
    session = rt.session()
    try:
        await session.check_all()
        problems = await session.online_problems()
        if problems:
            raise CallboardError("\n".join(problems))
        live = await session.read_live(manifests.kinds())
        _, warnings = await resolve_desired(session, manifests, live)
    finally:
        await session.aclose()
    return warnings


async def _plan(rt: Runtime, manifests: ManifestSet, state: StateStore, targets: list[str],
                refresh_only: bool) -> Plan:
    session = rt.session()
    try:
        return await make_plan(session, manifests, state, targets=targets,
                               refresh_only=refresh_only)
    finally:
        await session.aclose()


def _check_targets(manifests: ManifestSet, state: StateStore, targets: list[str]) -> None:
    known = set(manifests.resources) | set(state.resources())
    kinds = {split_address(a)[0] for a in known}
    for target in targets:
        if target not in known and target not in kinds:
            raise CallboardError(f"--target {target}: no such resource in the manifests or state")


@click.command()
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Save the plan to apply later with 'callboard apply FILE'.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when the plan has changes.")
@click.option("--target", "targets", multiple=True, help="Limit to ADDR or KIND (repeatable).")
@click.option("--refresh-only", is_flag=True, help="Only record live values in state.")
@click.pass_context
def plan(ctx: click.Context, out: Path | None, fmt: str, detailed_exitcode: bool,
         targets: tuple[str, ...], refresh_only: bool) -> None:
    """Show what apply would change to make live objects match the manifests."""
    rt: Runtime = ctx.obj
    manifests = rt.load()
    state = rt.open_state()
    try:
        _check_targets(manifests, state, list(targets))
        result = asyncio.run(_plan(rt, manifests, state, list(targets), refresh_only))
    finally:
        state.close()
    sha256 = save_plan_file(out, result) if out else None
    show_plan(rt, result, fmt, sha256)
    if out:
        rt.output.err(f"Saved the plan to {out} (SHA-256 {sha256}). Apply exactly it with: "
                      f"callboard apply {out} --expect-sha256 {sha256}")
    if detailed_exitcode and result.has_changes:
        ctx.exit(2)


def save_plan_file(path: Path, plan: Plan) -> str:
    """Write the plan file; its SHA-256 names this exact file for review and apply."""
    blob = (json.dumps(plan_document(plan), indent=2, sort_keys=True) + "\n").encode()
    path.write_bytes(blob)
    return hashlib.sha256(blob).hexdigest()


def load_plan_file(path: Path, expect_sha256: str | None = None) -> Plan:
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise CallboardError(f"cannot read plan file {path}: {exc}") from exc
    actual = hashlib.sha256(blob).hexdigest()
    if expect_sha256 and actual != expect_sha256.strip().lower():
        raise StalePlan(f"plan file {path} has SHA-256 {actual}, not the expected "
                        f"{expect_sha256.strip().lower()}: it is not the reviewed plan")
    try:
        data = json.loads(blob)
    except ValueError as exc:
        raise CallboardError(f"cannot read plan file {path}: {exc}") from exc
    if not isinstance(data, dict) or "changes" not in data:
        raise CallboardError(f"{path} is not a Callboard plan file")
    return Plan.from_dict(data)


def _listener(rt: Runtime):  # noqa: ANN202
    def on_event(change: Change, event: str, detail: str) -> None:
        if event == "done":
            rt.output.line(f"{change.address}: {detail}", style="green")
        elif event == "skip":
            rt.output.line(f"{change.address}: {detail}", style="dim")
        elif event == "error":
            rt.output.line(f"{change.address}: failed: {detail}", style="red")
    return on_event


@click.command()
@click.argument("planfile", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
@click.option("--target", "targets", multiple=True, help="Limit to ADDR or KIND (repeatable).")
@click.option("--parallelism", default=4, show_default=True, type=click.IntRange(1, 32))
@click.option("--force", is_flag=True, help="Apply despite safety thresholds / prevent_destroy.")
@click.option("--expect-sha256", "expect_sha256", metavar="HEX",
              help="Refuse the plan file unless its SHA-256 is HEX (the one 'plan --out' "
                   "printed for the reviewed plan).")
@click.pass_obj
def apply(rt: Runtime, planfile: Path | None, auto_approve: bool, targets: tuple[str, ...],
          parallelism: int, force: bool, expect_sha256: str | None) -> None:
    """Apply a saved plan exactly, or plan, confirm and apply."""
    if planfile and targets:
        raise CallboardError("--target goes with planning; a saved plan is applied exactly")
    if expect_sha256 and not planfile:
        raise CallboardError("--expect-sha256 checks a saved plan file: give PLANFILE")
    saved = None
    if planfile:
        saved = load_plan_file(planfile, expect_sha256)
        check_made_from(saved, manifest_digest(rt.manifests_dir))
    state = rt.open_state()
    try:
        with state.locked(lock_holder(), "apply"):
            asyncio.run(_plan_and_apply(rt, state, saved, list(targets), auto_approve,
                                        parallelism, force))
    finally:
        state.close()


async def _plan_and_apply(rt: Runtime, state: StateStore, saved_plan: Plan | None,
                          targets: list[str], auto_approve: bool, parallelism: int,
                          force: bool) -> None:
    """Plan (unless given a saved plan) and apply in one session, so one client, and so one
    rate limiter, paces every request of the run."""
    session = rt.session()
    try:
        if saved_plan is not None:
            the_plan, saved = saved_plan, True
        else:
            manifests = rt.load()
            _check_targets(manifests, state, targets)
            the_plan = await make_plan(session, manifests, state, targets=targets)
            saved = False
            rt.output.rich(plan_text(the_plan))
            if not the_plan.has_changes:
                return
            if not auto_approve:
                _confirm(the_plan, force)
        result = await apply_plan(session, the_plan, state, saved=saved,
                                  parallelism=parallelism, force=force,
                                  listener=_listener(rt))
    finally:
        await session.aclose()
    if not the_plan.changes:
        rt.output.line("Nothing to apply: the plan has no changes.")
        return
    if result.already_applied:
        rt.output.line(f"Nothing to apply: plan {the_plan.id} was already applied completely.")
        return
    rt.output.line(f"\nApply complete: {len(result.done)} changed"
                   + (f", {len(result.skipped)} already done" if result.skipped else "") + ".",
                   style="bold green")


def _confirm(the_plan: Plan, force: bool) -> None:
    the_plan.raise_if_unsafe(force)
    if not sys.stdin.isatty():
        raise CallboardError("apply needs confirmation: pass --auto-approve, or save a plan with "
                             "'plan --out FILE' and apply that file")
    answer = click.prompt("Do you want to perform these actions? Only 'yes' will be accepted",
                          default="", show_default=False)
    if answer.strip() != "yes":
        raise PlanRefused("apply cancelled")


COMMANDS = [validate, plan, apply]
