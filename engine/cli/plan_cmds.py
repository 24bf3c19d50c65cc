"""``validate``, ``plan`` and ``apply``."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shlex
import sys
from pathlib import Path

import click

from engine.apply.executor import apply_plan, check_made_from, check_services_match
from engine.cli import params as p
from engine.cli.runtime import Job, Runtime, lock_holder
from engine.errors import CallboardError, PlanRefused, StalePlan, UsageError
from engine.manifests.files import manifest_digest
from engine.manifests.loader import ManifestSet
from engine.plan.model import Change, Plan, plan_file_problem
from engine.plan.planner import make_plan
from engine.render.json_output import plan_document
from engine.render.outputs import render
from engine.render.text import plan_text
from engine.resources import closest_address, split_address
from engine.state.base import StateStore
from engine.sync.definition import KIND as SYNC_KIND
from engine.sync.locking import lock_wait, syncs_held
from engine.validation import FINDINGS, ValidationResult, manifest_problems, validate_online


@click.command()
@p.online
@p.output_format("validate")
@p.pass_runtime
def validate(rt: Runtime, online: bool, fmt: str) -> int:
    """Check the manifests: schema, names, references (and, with --online, live data)."""
    result = _validation(rt, online, fmt)
    rt.output.show(render("validate", fmt, result))
    return 0 if result.valid else 1


def _validation(rt: Runtime, online: bool, fmt: str) -> ValidationResult:
    """Text raises problems as errors; GitHub annotations carry every problem (the services'
    too); JSON lists manifest problems and plan refusals and leaves any other error to the
    JSON error. Counts
    are of what was read, problems or not."""
    manifests: ManifestSet | None = None
    try:
        manifests = rt.load()
        warnings = []
        if online:
            warnings = rt.run(lambda job: validate_online(job.session, manifests, job.state))
    except CallboardError as exc:
        if fmt == "text" or (fmt == "json" and exc.kind not in FINDINGS):
            raise
        loaded = manifests or getattr(exc, "manifests", None)  # what loaded around them
        result = (ValidationResult.of(loaded, online, []) if loaded is not None
                  else ValidationResult(online=online))
        result.errors = manifest_problems(exc)
        return result
    return ValidationResult.of(manifests, online, warnings)


def _check_targets(manifests: ManifestSet, state: StateStore, targets: list[str]) -> None:
    known = set(manifests.resources) | set(state.resources())
    kinds = {split_address(a)[0] for a in known}
    for target in targets:
        if target not in known and target not in kinds:
            hint = closest_address(target, [*known, *kinds])
            raise UsageError(f"--target {target}: no such resource in the manifests or "
                                 f"state{hint}")


@click.command()
@p.plan_out
@p.output_format("plan")
@p.detailed_exitcode
@p.targets
@p.refresh_only
@p.pass_runtime
def plan(rt: Runtime, out: Path | None, fmt: str, detailed_exitcode: bool,
         targets: tuple[str, ...], refresh_only: bool) -> int:
    """Show what apply would change to make live objects match the manifests."""
    if out and not out.absolute().parent.is_dir():  # refused before planning, not after
        raise click.BadParameter(f"the folder {out.parent} does not exist (create it first)",
                                 param_hint="'--out'")
    manifests = rt.load()

    async def work(job: Job) -> Plan:
        await asyncio.to_thread(_check_targets, manifests, job.state, list(targets))
        return await make_plan(job.session, manifests, job.state, targets=list(targets),
                               refresh_only=refresh_only)

    result = rt.run(work)
    sha256 = save_plan_file(out, result) if out else None
    rt.output.show(render("plan", fmt, result, plan_sha256=sha256))
    if out:
        where = "--sandbox " if rt.sandbox else ""  # a plan applies where it was made
        if rt.manifests_dir != Path(rt.env.get("CALLBOARD_MANIFESTS") or "manifests"):
            where += f"-m {shlex.quote(str(rt.manifests_dir))} "  # and from those manifests
        rt.output.err(f"Saved the plan to {out} (SHA-256 {sha256}). Apply exactly it with: "
                      f"callboard {where}apply {shlex.quote(str(out))} --expect-sha256 {sha256}")
    return 2 if detailed_exitcode and result.has_changes else 0


def save_plan_file(path: Path, plan: Plan) -> str:
    """Write the plan file; its SHA-256 names this exact file for review and apply."""
    blob = (json.dumps(plan_document(plan), indent=2, sort_keys=True) + "\n").encode()
    try:
        path.write_bytes(blob)
    except OSError as exc:
        raise CallboardError(f"cannot save the plan to {path}: {exc.strerror or exc}") from exc
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
    problem = plan_file_problem(data)  # edited by hand or damaged: never half-applied
    if problem:
        raise CallboardError(f"{path} is not a valid Callboard plan file ({problem}): it was "
                             "changed after 'plan --out' wrote it; make a new plan")
    return Plan.from_dict(data)


_EVENT_STYLES = {"done": ("{}", "green"), "skip": ("{}", "dim"), "error": ("failed: {}", "red")}


def _listener(rt: Runtime):  # noqa: ANN202
    def on_event(change: Change, event: str, detail: str) -> None:
        if event in _EVENT_STYLES:
            template, style = _EVENT_STYLES[event]
            rt.output.line(f"{change.address}: {template.format(detail)}", style=style)
    return on_event


@click.command()
@click.argument("planfile", required=False, type=click.Path(dir_okay=False, path_type=Path))
@p.auto_approve
@p.targets
@p.parallelism
@p.force_apply
@p.expect_sha256
@p.pass_runtime
def apply(rt: Runtime, planfile: Path | None, auto_approve: bool, targets: tuple[str, ...],
          parallelism: int, force: bool, expect_sha256: str | None) -> None:
    """Apply PLANFILE (saved by 'plan --out') exactly, or without it plan, confirm and apply."""
    if planfile and targets:
        raise CallboardError("--target goes with planning; a saved plan is applied exactly")
    if expect_sha256 and not planfile:
        raise CallboardError("--expect-sha256 checks a saved plan file: give PLANFILE")
    saved = None
    if planfile:
        saved = load_plan_file(planfile, expect_sha256)
        check_made_from(saved, manifest_digest(rt.manifests_dir))
        check_services_match(saved, rt.endpoint)  # before any state is opened or made
    rt.run(lambda job: _plan_and_apply(rt, job, saved, list(targets), auto_approve,
                                       parallelism, force), lock="apply")


async def _plan_and_apply(rt: Runtime, job: Job, saved_plan: Plan | None, targets: list[str],
                          auto_approve: bool, parallelism: int, force: bool) -> None:
    """Plan (unless given a saved plan) and apply in one session, so one client, and so one
    rate limiter, paces every request of the run."""
    the_plan = saved_plan
    if the_plan is None:
        the_plan = await _plan_to_apply(rt, job, targets)
        if not the_plan.has_changes:
            return
        if not auto_approve:
            _confirm(the_plan, force)
    syncs = {c.address for c in the_plan.changes if c.kind == SYNC_KIND}
    async with syncs_held(job.state, syncs, lock_holder(), command="apply",
                          wait=lock_wait(rt.env),
                          say=rt.output.line):  # never beside a run of a sync it changes
        result = await apply_plan(job.session, the_plan, job.state,
                                  saved=saved_plan is not None, parallelism=parallelism,
                                  force=force, listener=_listener(rt))
    if not the_plan.changes:
        rt.output.line("Nothing to apply: the plan has no changes.")
    elif result.already_applied:
        rt.output.line(f"Nothing to apply: plan {the_plan.id} was already applied completely.")
    else:
        rt.output.line(f"\nApply complete: {len(result.done)} changed"
                       + (f", {len(result.skipped)} already done" if result.skipped else "")
                       + ".", style="bold green")


async def _plan_to_apply(rt: Runtime, job: Job, targets: list[str]) -> Plan:
    manifests = rt.load()
    await asyncio.to_thread(_check_targets, manifests, job.state, targets)
    the_plan = await make_plan(job.session, manifests, job.state, targets=targets)
    rt.output.rich(plan_text(the_plan))
    return the_plan


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
