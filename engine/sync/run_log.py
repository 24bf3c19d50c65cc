"""What the sync run log tells ``sync run --due`` and ``sync log`` beyond finished runs.

- **Activation marks.** Apply marks the moment it created, adopted, replaced or switched on a
  Data Sync. ``--due`` counts scheduled times after the sync's latest entry, run or mark, so a
  new sync first runs at its first scheduled time after it was created or enabled (a daily
  02:00 sync applied at 00:41 runs at 02:00, not at once). A sync with no entry at all (made by
  an older Callboard, or by ``import``) counts from when state recorded it. Marks are
  bookkeeping, not runs: ``sync log`` does not list them.
- **Dead runs.** A run whose process died (``kill -9``) stays ``running`` in the log; the next
  run of that sync, holding its lock, marks it interrupted, so the log shows what happened and
  the next run as its completion.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, tzinfo

from engine import clock
from engine.errors import UsageError
from engine.manifests.loader import suggest
from engine.plan.model import Change
from engine.state.base import ResourceRecord, StateStore, SyncRunLogEntry
from engine.sync.definition import (
    KIND,
    SyncDefinition,
    UnavailableSync,
    managed_syncs,
    sync_address,
)
from engine.sync.run_report import INTERRUPTED, RUNNING, SyncRunReport
from engine.sync.schedule import is_due

#: The status of an activation mark (never a run's).
ENABLED = "enabled"
_ACTIVATING = {"create": "created", "replace": "replaced", "adopt": "adopted"}

Listener = Callable[[Change, str, str], None]


def activation(change: Change) -> str | None:
    """How an applied change started a sync's schedule (``created``, ``enabled``…), or None."""
    if change.kind != KIND or not (change.after or {}).get("enabled", True):
        return None
    if change.action in _ACTIVATING:
        return _ACTIVATING[change.action]
    was_on = (change.before or {}).get("enabled", True)
    return "enabled" if change.action == "update" and not was_on else None


def mark_activations(state: StateStore, listener: Listener | None) -> Listener:
    """An apply listener that marks each sync apply created or switched on, then passes the
    event on to ``listener``."""
    def on_event(change: Change, event: str, detail: str) -> None:
        how = activation(change) if event == "done" else None
        record = state.get(change.address) if how else None
        if record is not None:
            now = clock.iso_now()
            state.log_sync_run(SyncRunLogEntry(
                f"{now}-{ENABLED}-{uuid.uuid4().hex[:8]}", record.remote_id, change.address,
                now, now, ENABLED, {"message": f"{how} by apply"}))
        if listener is not None:
            listener(change, event, detail)
    return on_event


def due_now(state: StateStore, record: ResourceRecord,
            definition: SyncDefinition | UnavailableSync, tz: tzinfo) -> bool:
    """Whether a scheduled time came round since the sync's last run or activation mark (or,
    with neither, since state recorded it). Only the entries of the Data Sync the address holds
    now (its id) count: another one imported under an old NAME (``state rm``, ``import``) has
    a schedule of its own, not its predecessor's. Runs from before a ``moved:`` rename count:
    the Data Sync is the same one, only its NAME changed; they are read (the whole log) only
    while it has none under its NAME, as cron asks every few minutes. A sync that cannot run is
    due when it would have run: its failed run is then logged, so the next is due at its next
    scheduled time."""
    if definition.schedule is None:
        return False
    entries = _entries_of(state, definition.address, record.remote_id) or _entries_of(
        state, None, record.remote_id)
    if entries:
        last = datetime.fromisoformat(entries[-1].started_at)
        return is_due(definition.schedule, last, clock.now(), tz)
    since = datetime.fromisoformat(record.updated_at) if record.updated_at else None
    return is_due(definition.schedule, None, clock.now(), tz, since=since)


def _entries_of(state: StateStore, address: str | None,
                sync_id: str) -> list[SyncRunLogEntry]:
    """The log's entries of Data Sync ``sync_id`` (under ``address``; any, with None)."""
    return [e for e in state.sync_runs(address, "") if e.sync_id == sync_id]


def runs_only(entries: list[SyncRunLogEntry]) -> list[SyncRunLogEntry]:
    return [e for e in entries if e.status != ENABLED]


def close_dead_runs(state: StateStore, address: str) -> None:
    """Mark runs of ``address`` still ``running`` as interrupted: the caller holds the sync's
    lock, so no live process is running them."""
    for entry in state.sync_runs(address, ""):
        if entry.status == RUNNING:
            entry.status = INTERRUPTED
            state.log_sync_run(entry)


def interrupted_report(state: StateStore, address: str, finished: str) -> SyncRunReport | None:
    """The run Ctrl-C just stopped, as the log now holds it, with what it finished."""
    entries = [e for e in state.sync_runs(address, "") if e.status in (INTERRUPTED, RUNNING)]
    if not entries:
        return None
    entry = entries[-1]
    entry.status = INTERRUPTED
    entry.summary["message"] = finished
    entry.finished_at = entry.finished_at or clock.iso_now()
    state.log_sync_run(entry)
    return SyncRunReport.from_log_entry(entry)


def known_sync(state: StateStore, name: str) -> str:
    """The address ``sync log NAME`` means: a sync in state or in the run log, else an error
    with the closest name."""
    address = sync_address(name)
    known = {r.address for r in managed_syncs(state)}
    known |= {e.address for e in state.sync_runs(None, "")}
    if address in known:
        return address
    names = sorted(a.partition(".")[2] for a in known)
    listed = ", ".join(names) or "none"
    raise UsageError(f"no Data Sync {address} in state or the run log"
                         f"{suggest(address.partition('.')[2], names)}; Data Syncs: {listed}")
