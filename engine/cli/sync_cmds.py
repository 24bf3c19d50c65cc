"""``sync preview | run | log``: Data Sync runs (seed 003) from the command line."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click

from engine.cli.runtime import Runtime, lock_holder
from engine.errors import CallboardError
from engine.manifests.loader import load_settings
from engine.manifests.settings import ProjectSettings
from engine.session import Session
from engine.state.base import ResourceRecord, StateStore
from engine.sync.definition import (
    SyncDefinition,
    load_definition,
    managed_syncs,
    state_record,
    sync_address,
)
from engine.sync.locking import sync_locked
from engine.sync.notify import send_summary
from engine.sync.ports import (
    LIST_SOURCE_PORT,
    MAX_IMPORT_BATCH,
    TAG_TARGET_PORT,
    ListSource,
    TagTarget,
)
from engine.sync.run_report import FAILED, SUCCEEDED, SyncRunReport
from engine.sync.runner import DataSyncRunner, SyncPreview
from engine.sync.schedule import is_due

SMTP_URL_ENV = "CALLBOARD_SMTP_URL"
PREVIEW_FORMAT_VERSION = 1
LOG_FORMAT_VERSION = 1
_DURATION = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_T = TypeVar("_T")


@click.group()
def sync() -> None:
    """Run Data Syncs: a Tessitura list drives a Prospect2 tag (seed 003)."""


@sync.command("preview")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_obj
def preview_command(rt: Runtime, name: str, fmt: str) -> None:
    """What a run would do now, changing nothing (the list as last generated)."""
    settings = _settings(rt)

    async def work(session: Session, state: StateStore) -> SyncPreview:
        definition = await load_definition(session, state_record(state, name))
        return await _runner(session, state, settings).preview(definition)

    preview = _with_session(rt, work)
    if fmt == "json":
        rt.output.raw(json.dumps(preview_json(preview), indent=2) + "\n")
        return
    for line, style in preview_lines(preview):
        rt.output.line(line, style)


@sync.command("run")
@click.argument("names", nargs=-1)
@click.option("--due", is_flag=True, help="Every enabled sync whose schedule is due (cron).")
@click.option("--all", "run_all", is_flag=True, help="Every enabled sync in state.")
@click.option("--force", is_flag=True,
              help="Run past the removal safety check; run a disabled sync named here.")
@click.option("--batch-size", type=click.IntRange(1, MAX_IMPORT_BATCH),
              default=MAX_IMPORT_BATCH, hidden=True,
              help="Contacts per bulk import (tests use small ones).")
@click.pass_obj
def run_command(rt: Runtime, names: tuple[str, ...], due: bool, run_all: bool,
                force: bool, batch_size: int) -> None:
    """Run the named syncs (or --due, or --all): regenerate, delta, tag, untag."""
    if sum((bool(names), due, run_all)) != 1:
        raise click.UsageError("give sync NAMEs, --due or --all (one of them)")
    settings = _settings(rt)
    reports: list[SyncRunReport] = []

    async def work(session: Session, state: StateStore) -> None:
        runner = _runner(session, state, settings, import_batch=batch_size)
        records = ([state_record(state, n) for n in names] if names
                   else managed_syncs(state))
        for record in records:
            report = await _run_one(rt, session, state, runner, record, settings,
                                    named=bool(names), due=due, force=force)
            if report is not None:
                reports.append(report)

    _with_session(rt, work)
    if not reports and not names:
        rt.output.line("No Data Sync was due." if due else "No enabled Data Sync in state.")
    failed = [r for r in reports if not r.ok]
    if failed:
        raise CallboardError(f"{len(failed)} of {len(reports)} sync runs did not succeed: "
                             + ", ".join(r.address for r in failed))


async def _run_one(rt: Runtime, session: Session, state: StateStore, runner: DataSyncRunner,
                   record: ResourceRecord, settings: ProjectSettings, *, named: bool,
                   due: bool, force: bool) -> SyncRunReport | None:
    definition = await load_definition(session, record)
    unfinished = state.sync_plan(definition.sync_id) is not None
    if not definition.enabled and not (named and force) and not unfinished:
        if not due:  # cron output stays quiet about syncs switched off on purpose
            rt.output.line(f"{definition.address}: disabled; skipped"
                           + (" (add --force to run it anyway)" if named else ""))
        return None
    if due and not unfinished and not _is_due(state, definition, settings):
        return None
    with sync_locked(state, definition.address, lock_holder()):
        report = await runner.run(definition, force=force)
    if definition.notify and rt.env.get(SMTP_URL_ENV):
        await _notify(rt, state, definition, report)
    style = "green" if report.ok else "red"
    rt.output.line(report.headline(), style)
    for line in report.detail_lines():
        rt.output.line(line)
    return report


def _is_due(state: StateStore, definition: SyncDefinition, settings: ProjectSettings) -> bool:
    if definition.schedule is None:
        return False
    runs = state.sync_runs(definition.address, "")
    last = datetime.fromisoformat(runs[-1].started_at) if runs else None
    return is_due(definition.schedule, last, datetime.now(UTC),
                  ZoneInfo(settings.organization.timezone))


async def _notify(rt: Runtime, state: StateStore, definition: SyncDefinition,
                  report: SyncRunReport) -> None:
    """A notification failure is logged with the run; the sync itself still succeeded."""
    subject = f"Callboard Data Sync {definition.name}: {report.status}"
    try:
        await asyncio.to_thread(send_summary, rt.env[SMTP_URL_ENV], list(definition.notify),
                                subject, report.summary_text())
    except CallboardError as exc:
        report.notify_error = str(exc)
        state.log_sync_run(report.as_log_entry())


@sync.command("log")
@click.argument("name", required=False)
@click.option("--since", default="7d", show_default=True,
              help="How far back: N followed by m, h, d or w (the log keeps 30 days).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_obj
def log_command(rt: Runtime, name: str | None, since: str, fmt: str) -> None:
    """Past runs: counts added, removed, re-synced, rejected with reasons, API calls."""
    start = datetime.now(UTC) - parse_duration(since)
    state = rt.open_state()
    try:
        entries = state.sync_runs(sync_address(name) if name else None,
                                  start.isoformat(timespec="seconds"))
    finally:
        state.close()
    reports = [SyncRunReport.from_log_entry(e) for e in entries]
    if fmt == "json":
        body = {"format_version": LOG_FORMAT_VERSION, "runs": [r.as_json() for r in reports]}
        rt.output.raw(json.dumps(body, indent=2) + "\n")
        return
    if not reports:
        rt.output.line(f"No sync runs in the last {since}.")
    for report in reports:
        style = {SUCCEEDED: "green", FAILED: "red"}.get(report.status, "yellow")
        rt.output.line(f"{report.started_at}  {report.headline()}", style)
        for line in report.detail_lines():
            rt.output.line(line)


def parse_duration(text: str) -> timedelta:
    found = _DURATION.match(text.strip().lower())
    if found is None:
        raise click.BadParameter(f"{text!r} is not a duration: use e.g. 30m, 12h, 7d or 2w",
                                 param_hint="--since")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


def preview_json(preview: SyncPreview) -> dict[str, Any]:
    plan = preview.plan
    return {
        "format_version": PREVIEW_FORMAT_VERSION,
        "sync": preview.definition.address,
        "list_id": preview.definition.list_id,
        "regenerated": False,
        "unfinished_run": preview.unfinished_run,
        "counts": _counts(preview),
        "add": [i.address for i in plan.imports("add")],
        "resync": [i.address for i in plan.imports("resync")],
        "retry": [i.address for i in plan.imports("retry")],
        "remove": [r.address for r in plan.removals()],
    }


def _counts(preview: SyncPreview) -> dict[str, int]:
    plan = preview.plan
    return {"list": len(plan.current), "baseline": preview.baseline_size,
            "constituents_joined": len(plan.added), "constituents_left": len(plan.removed),
            "add": len(plan.imports("add")), "resync": len(plan.imports("resync")),
            "retry": len(plan.imports("retry")), "remove": len(plan.removals()),
            "kept_shared": plan.kept_shared}


def preview_lines(preview: SyncPreview) -> list[tuple[str, str | None]]:
    """Counts first, then each address; removals red (seed 003 highlights them)."""
    counts = _counts(preview)
    definition = preview.definition
    lines: list[tuple[str, str | None]] = [
        (f"Preview of {definition.address} (tag {definition.tag!r}, {definition.mode}); the "
         f"list as last generated, not regenerated for a preview", None),
        (f"  list: {counts['list']} constituents, baseline: {counts['baseline']} "
         f"({counts['constituents_joined']} joined, {counts['constituents_left']} left)", None),
        (f"  {counts['add']} to add, {counts['resync']} to re-sync, {counts['retry']} to "
         f"retry, {counts['remove']} to remove", None)]
    if counts["kept_shared"]:
        lines.append((f"  {counts['kept_shared']} addresses of leavers keep the tag: a listed "
                      "constituent still owns them", None))
    if preview.unfinished_run:
        lines.append(("  an interrupted run is unfinished: the next run finishes it first",
                      "yellow"))
    plan = preview.plan
    lines += [(f"+ {i.address}", "green") for i in plan.imports("add")]
    lines += [(f"~ {i.address}", "yellow") for i in plan.imports("resync")]
    lines += [(f"+ {i.address} (retry)", "green") for i in plan.imports("retry")]
    lines += [(f"- {r.address}", "red") for r in plan.removals()]
    return lines


def _settings(rt: Runtime) -> ProjectSettings:
    if not rt.manifests_dir.is_dir():
        return ProjectSettings()
    return load_settings(rt.manifests_dir, Path.cwd())


def _runner(session: Session, state: StateStore, settings: ProjectSettings, *,
            import_batch: int = MAX_IMPORT_BATCH) -> DataSyncRunner:
    source: ListSource = session.port(LIST_SOURCE_PORT)
    target: TagTarget = session.port(TAG_TARGET_PORT)
    return DataSyncRunner(source, target, state,
                          max_remove_fraction=settings.safety.sync_max_remove_fraction,
                          import_batch=import_batch)


def _with_session(rt: Runtime,
                  work: Callable[[Session, StateStore], Awaitable[_T]]) -> _T:
    state = rt.open_state()

    async def main() -> _T:
        session = rt.session()
        try:
            return await work(session, state)
        finally:
            await session.aclose()

    try:
        return asyncio.run(main())
    finally:
        state.close()


COMMANDS = [sync]
