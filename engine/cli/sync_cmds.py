"""``sync preview | run | log``: Data Sync runs (seed 003) from the command line."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from engine import clock, interrupts
from engine.cli import params as p
from engine.cli.runtime import Job, Runtime, lock_holder
from engine.errors import CallboardError
from engine.interrupts import Interrupted
from engine.manifests.loader import load_settings
from engine.manifests.settings import ProjectSettings
from engine.render.outputs import render
from engine.render.sync_log import SyncLog, run_text
from engine.state.base import ResourceRecord, StateStore, SyncRunLogEntry
from engine.sync.definition import (
    SyncDefinition,
    UnavailableSync,
    load_alone,
    load_definition,
    managed_syncs,
    refuse_prospect2_runs,
    state_record,
)
from engine.sync.locking import SyncSkipped, lock_wait, sync_slot
from engine.sync.notify import send_summary
from engine.sync.ports import (
    LIST_SOURCE_PORT,
    MAX_IMPORT_BATCH,
    TAG_TARGET_PORT,
    ListSource,
    TagTarget,
)
from engine.sync.run_log import (
    close_dead_runs,
    due_now,
    interrupted_report,
    known_sync,
    runs_only,
)
from engine.sync.run_report import SyncRunReport
from engine.sync.runner import DataSyncRunner, SyncPreview
from engine.words import plural

log = logging.getLogger(__name__)

_DURATION = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@click.group()
def sync() -> None:
    """Run Data Syncs: a Tessitura list decides which contacts carry a Prospect2 tag."""


@sync.command("preview")
@click.argument("name")
@p.no_regenerate
@p.show_values
@p.output_format("sync-preview")
@p.pass_runtime
def preview_command(rt: Runtime, name: str, no_regenerate: bool, show_values: bool,
                    fmt: str) -> None:
    """What a run of the Data Sync NAME would do now, changing nothing in Prospect2 (the list
    regenerated first, as a run does, unless --no-regenerate).

    NAME is the sync's name under data_syncs: in the manifests (data_syncs.NAME works too),
    applied to state."""
    settings = _settings(rt)

    async def work(job: Job) -> SyncPreview:
        record = await asyncio.to_thread(state_record, job.state, name)  # off the event loop
        definition = await load_definition(job.session, record, job.state)
        return await _runner(job, settings).preview(definition, regenerate=not no_regenerate)

    rt.output.show(render("sync-preview", fmt, rt.run(work), show_values=show_values))


@sync.command("run")
@click.argument("names", nargs=-1)
@p.due
@p.run_all
@p.force_sync
@p.batch_size(MAX_IMPORT_BATCH, "Contacts")
@p.pass_runtime
def run_command(rt: Runtime, names: tuple[str, ...], due: bool, run_all: bool,
                force: bool, batch_size: int) -> None:
    """Run the Data Syncs NAMES (or --due, or --all): refresh the list, tag who joined, untag
    who left.

    NAMES are syncs' names under data_syncs: in the manifests (data_syncs.NAME works too),
    applied to state; a NAME not in state, or one that cannot run (its tag deleted in
    Prospect2…), stops the command before any sync runs. With --due or --all each sync stands
    alone: one that cannot run is reported failed and the others run (exit 1)."""
    if sum((bool(names), due, run_all)) != 1:
        raise click.UsageError("give sync NAMEs, --due or --all (one of them)")
    settings = _settings(rt)
    reports: list[SyncRunReport] = []
    skipped: list[str] = []

    async def work(job: Job) -> None:
        runner = _runner(job, settings, import_batch=batch_size)
        records = await asyncio.to_thread(  # the store off the event loop
            lambda: [state_record(job.state, n) for n in names] if names
            else managed_syncs(job.state))
        definitions = await _definitions(job, records, named=bool(names))
        with interrupts.writing():
            for record, definition in zip(records, definitions, strict=True):
                if interrupts.stop_requested():
                    raise Interrupted(f"stopped before {record.address}; "
                                      f"{plural(len(reports), 'sync run')} finished")
                try:
                    report = await _run_one(rt, job, runner, record, definition, settings,
                                            named=bool(names), due=due, force=force)
                except SyncSkipped as exc:  # an apply or another run held it: cron comes back
                    rt.output.line(str(exc), "yellow")
                    if not due:
                        skipped.append(record.address)
                    continue
                if report is not None:
                    reports.append(report)

    rt.run(work)
    if not reports and not names and not skipped:
        rt.output.line("No Data Sync was due." if due else "No enabled Data Sync in state.")
    failed = [r.address for r in reports if not r.ok] + skipped
    if failed:
        raise CallboardError(f"{len(failed)} of {len(reports) + len(skipped)} sync runs did "
                             "not succeed: " + ", ".join(failed))


async def _definitions(job: Job, records: list[ResourceRecord], *, named: bool
                       ) -> list[SyncDefinition | UnavailableSync]:
    """The syncs to run. Named by the user: all or nothing, refused before any write; with
    --due or --all each stands alone (one that cannot run is an UnavailableSync)."""
    if not named:
        return [await load_alone(job.session, r, job.state) for r in records]
    loaded = [await load_definition(job.session, r, job.state) for r in records]
    refuse_prospect2_runs(loaded)
    return list(loaded)


async def _run_one(rt: Runtime, job: Job, runner: DataSyncRunner, record: ResourceRecord,
                   definition: SyncDefinition | UnavailableSync, settings: ProjectSettings, *,
                   named: bool, due: bool, force: bool) -> SyncRunReport | None:
    state = job.state
    if not await _runs_now(rt, state, record, definition, settings, named=named, due=due,
                           force=force):
        return None
    async with sync_slot(state, definition.address, lock_holder(), wait=lock_wait(rt.env),
                         say=rt.output.line, busy_skips=not named):
        now = await _current(rt, job, record, definition, named=named, due=due)
        if now is None:
            return None
        await asyncio.to_thread(close_dead_runs, state, now.address)
        if isinstance(now, UnavailableSync):  # --due, --all: reported, and the others run
            report = await runner.refuse(now)
        else:
            try:
                report = await runner.run(now, force=force)
            except (Interrupted, asyncio.CancelledError) as stop:
                raise await asyncio.to_thread(_stopped, rt, state, now, stop) from None
    if now.notify:
        await _notify(rt, state, now, report)
    rt.output.rich(run_text(report))
    return report


async def _runs_now(rt: Runtime, state: StateStore, record: ResourceRecord,
                    definition: SyncDefinition | UnavailableSync, settings: ProjectSettings, *,
                    named: bool, due: bool, force: bool) -> bool:
    """Whether this sync runs now: not one Prospect2 runs, nor one switched off (unless named
    with --force), and with --due only when its time came round."""
    if _theirs(rt, definition, due):
        return False
    # an interrupted run is finished at once, unless the sync cannot run: then it is
    # reported on its schedule, not at every cron tick
    unfinished = isinstance(definition, SyncDefinition) and await asyncio.to_thread(
        state.sync_plan, definition.sync_id) is not None
    if not definition.enabled and not (named and force) and not unfinished:
        if not due:  # cron output stays quiet about syncs switched off on purpose
            rt.output.line(f"{definition.address}: disabled; skipped"
                           + (" (add --force to run it anyway)" if named else ""))
        return False
    return not due or unfinished or await asyncio.to_thread(
        due_now, state, record, definition, ZoneInfo(settings.organization.timezone))


async def _current(rt: Runtime, job: Job, record: ResourceRecord,
                   definition: SyncDefinition | UnavailableSync, *, named: bool, due: bool
                   ) -> SyncDefinition | UnavailableSync | None:
    """The sync as state holds it once this run has its slot: None if an apply removed it or
    handed it to Prospect2 while this run waited, reloaded if an apply changed it."""
    fresh = await asyncio.to_thread(job.state.get, record.address)
    if fresh is None:
        rt.output.line(f"{record.address}: no longer in state; skipped")
        return None
    if fresh == record:
        return definition
    definition = await (load_definition if named else load_alone)(job.session, fresh, job.state)
    return None if _theirs(rt, definition, due) else definition


def _theirs(rt: Runtime, definition: SyncDefinition | UnavailableSync, due: bool) -> bool:
    """A sync Prospect2 runs (runner: prospect2) is skipped: exactly one engine runs it."""
    if definition.run_by_prospect2 and not due:
        by_hand = (", set in Prospect2 outside Callboard: 'callboard apply' sets it back "
                   "to callboard" if isinstance(definition, SyncDefinition)
                   and definition.runner_changed_outside else "")
        rt.output.line(f"{definition.address}: runner: prospect2 (Prospect2 runs it){by_hand}; "
                       "skipped")
    return definition.run_by_prospect2


def _stopped(rt: Runtime, state: StateStore, definition: SyncDefinition,
             stop: BaseException) -> BaseException:
    """Ctrl-C stopped this sync's run: show it as the log now does, and say what finished."""
    if not isinstance(stop, Interrupted) and not interrupts.stopped_at_once():
        return stop
    finished = (stop.finished if isinstance(stop, Interrupted) and stop.finished
                else "stopped at once by a second Ctrl-C")
    report = interrupted_report(state, definition.address, finished)
    if report is not None:
        rt.output.rich(run_text(report))
    return Interrupted(f"{definition.address}: {finished}")


async def _notify(rt: Runtime, state: StateStore, definition: SyncDefinition | UnavailableSync,
                  report: SyncRunReport) -> None:
    """A notification failure (or no SMTP server to send through) is said in the run's
    output and logged with the run; the sync itself still succeeded."""
    smtp_url = rt.env.get(p.ENV_SMTP_URL)
    if not smtp_url:
        report.notify_error = f"{p.ENV_SMTP_URL} is not set"
        log.info("sync: %s: summary not sent: %s", definition.address, report.notify_error)
        await asyncio.to_thread(state.log_sync_run, report.as_log_entry())
        return
    subject = f"Callboard Data Sync {definition.name}: {report.status}"
    try:
        await asyncio.to_thread(send_summary, smtp_url, list(definition.notify),
                                subject, report.summary_text())
    except CallboardError as exc:
        report.notify_error = str(exc)
        await asyncio.to_thread(state.log_sync_run, report.as_log_entry())


@sync.command("log")
@click.argument("name", required=False)
@p.since
@p.output_format("sync-log")
@p.pass_runtime
def log_command(rt: Runtime, name: str | None, since: str, fmt: str) -> None:
    """Past runs of the Data Sync NAME (every sync's without one): counts added, removed,
    re-synced, rejected with reasons, API calls; for a sync Prospect2 runs (runner:
    prospect2), its own runs from Prospect2's activity log.

    NAME is the sync's name under data_syncs (data_syncs.NAME works too)."""
    start = (clock.now() - parse_duration(since)).isoformat(timespec="seconds")

    async def work(job: Job) -> list[SyncRunReport]:
        entries, theirs = await asyncio.to_thread(_logged, job.state, name, start)
        runs = [SyncRunReport.from_log_entry(e) for e in entries]
        if theirs:  # only then is Prospect2 asked (the session opens on first use)
            target: TagTarget = job.session.port(TAG_TARGET_PORT)
            for record in theirs:
                runs += [SyncRunReport.from_activity(record.address, record.remote_id, a)
                         for a in await target.activity(record.remote_id, start)]
        return sorted(runs, key=lambda r: (_instant(r.started_at), r.run_id))

    rt.output.show(render("sync-log", fmt, SyncLog(rt.run(work), since)))


def _logged(state: StateStore, name: str | None,
            start: str) -> tuple[list[SyncRunLogEntry], list[ResourceRecord]]:
    """The run log's runs since ``start`` and the syncs Prospect2 runs, of ``name`` or all."""
    wanted = known_sync(state, name) if name else None
    syncs = managed_syncs(state)
    theirs = [r for r in syncs
              if r.fields.get("runner") == "prospect2" and wanted in (None, r.address)]
    if wanted is None:
        return runs_only(state.sync_runs(None, start)), theirs
    # a sync renamed with moved: keeps its id, and its runs logged under the old NAME are its
    ids = {r.remote_id for r in syncs if r.address == wanted}
    runs = [e for e in state.sync_runs(None, start) if e.address == wanted or e.sync_id in ids]
    return runs_only(runs), theirs


def _instant(stamp: str) -> datetime:
    moment = datetime.fromisoformat(stamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_duration(text: str) -> timedelta:
    found = _DURATION.match(text.strip().lower())
    if found is None:
        raise click.BadParameter(f"{text!r} is not a duration: use e.g. 30m, 12h, 7d or 2w",
                                 param_hint="--since")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


def _settings(rt: Runtime) -> ProjectSettings:
    if not rt.manifests_dir.is_dir():
        return ProjectSettings()
    return load_settings(rt.manifests_dir, Path.cwd())


def _runner(job: Job, settings: ProjectSettings, *,
            import_batch: int = MAX_IMPORT_BATCH) -> DataSyncRunner:
    source: ListSource = job.session.port(LIST_SOURCE_PORT)
    target: TagTarget = job.session.port(TAG_TARGET_PORT)
    return DataSyncRunner(source, target, job.state,
                          max_remove_fraction=settings.safety.sync_max_remove_fraction,
                          import_batch=import_batch)


COMMANDS = [sync]
