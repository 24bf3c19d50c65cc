"""What one sync run did: counts, rejections, API use, and the summary users read.

The same report feeds the run log (``sync log``), the CLI's closing lines and the notification
email, so the three never disagree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from engine.state.base import SyncRunLogEntry
from engine.sync.ports import SyncActivity
from engine.sync.purposes import NOT_FOUND
from engine.words import plural, verb

if TYPE_CHECKING:
    from engine.sync.run_plan import PlanCounts

SUCCEEDED = "succeeded"
FAILED = "failed"
STOPPED = "stopped"  # refused by a safety check before any write
RUNNING = "running"
INTERRUPTED = "interrupted"  # stopped by Ctrl-C (or found dead): the next run finishes it

_COUNTER = {"add": "added", "resync": "resynced", "retry": "retried"}


@dataclass
class SyncRunReport:
    address: str
    sync_id: str
    run_id: str
    started_at: str
    status: str = RUNNING
    finished_at: str | None = None
    resumed: bool = False
    #: The run whose frozen plan this one finished (``resumed``), as ``sync log`` lists it.
    completes: str = ""
    list_size: int = 0
    constituents_added: int = 0
    constituents_removed: int = 0
    added: int = 0        # addresses tagged for joiners
    resynced: int = 0     # addresses re-imported for audited changes
    retried: int = 0      # addresses re-sent after an earlier rejection
    removed: int = 0      # addresses whose tag was removed
    kept_shared: int = 0  # leavers' addresses kept: a listed constituent still owns them
    #: listed constituents with no address the filters let through: not synced, looked at
    #: again by every run until one is
    waiting: int = 0
    rejected: dict[str, str] = field(default_factory=dict)  # address -> the API's reason
    tessitura_calls: int = 0
    prospect2_calls: int = 0
    rate_limited: int = 0
    message: str = ""
    notify_error: str = ""
    #: Which engine ran it: ``callboard`` or ``prospect2`` (its own activity log, read back).
    run_by: str = "callboard"
    #: Trigger webhooks: addresses the run added the tag's Contact Point Purpose to / removed
    #: it from in Tessitura, counted per journaled batch: not the planned ones (an address
    #: Prospect2 refused to import gets none), and a batch resent after a kill counts once.
    purposes_added: int = 0
    purposes_removed: int = 0
    #: Addresses Tessitura answered ``not_found`` for (no constituent holds them now): the
    #: purpose was neither added to nor removed from them, so neither count holds them.
    purposes_not_found: int = 0
    #: Contact data left out of imports because it does not fit its field: reason -> count
    #: of addresses (the reason names the field, never the value).
    values_left_out: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == SUCCEEDED

    def count_plan(self, counts: PlanCounts, purposes: Mapping[str, int]) -> None:
        """Add a plan's counts, including batches an interrupted run already confirmed: the
        report is the run's. ``purposes``: addresses each purpose action was set on (the
        sender's count of what was done; the plan's own purpose counts are what it planned)."""
        for reason, count in counts.imports.items():
            if reason in _COUNTER:
                setattr(self, _COUNTER[reason], getattr(self, _COUNTER[reason]) + count)
        self.removed += counts.removals
        self.kept_shared += counts.kept_shared
        self.purposes_added += purposes.get("add", 0)
        self.purposes_removed += purposes.get("remove", 0)
        self.purposes_not_found += purposes.get(NOT_FOUND, 0)
        for reason, count in counts.values_left_out.items():
            self.values_left_out[reason] = self.values_left_out.get(reason, 0) + count

    def rejection_reasons(self) -> dict[str, int]:
        return dict(Counter(self.rejected.values()).most_common())

    def as_log_entry(self) -> SyncRunLogEntry:
        summary = {k: v for k, v in asdict(self).items()
                   if k not in ("address", "sync_id", "run_id", "started_at", "finished_at",
                                "status")}
        return SyncRunLogEntry(self.run_id, self.sync_id, self.address, self.started_at,
                               self.finished_at, self.status, summary)

    @classmethod
    def from_log_entry(cls, entry: SyncRunLogEntry) -> SyncRunReport:
        known = set(cls.__dataclass_fields__)
        extra = {k: v for k, v in entry.summary.items() if k in known}
        return cls(address=entry.address, sync_id=entry.sync_id, run_id=entry.run_id,
                   started_at=entry.started_at, finished_at=entry.finished_at,
                   status=entry.status, **extra)

    @classmethod
    def from_activity(cls, address: str, sync_id: str, activity: SyncActivity
                      ) -> SyncRunReport:
        """A run Prospect2 made itself (``runner: prospect2``), from its activity log: an
        error naming no email failed the run; the others are refused contacts."""
        failures = [reason for email, reason in activity.errors if email is None]
        return cls(address=address, sync_id=sync_id, run_id=f"prospect2-{activity.activity_id}",
                   started_at=activity.run_at, finished_at=activity.run_at,
                   status=FAILED if failures else SUCCEEDED, added=activity.added,
                   removed=activity.removed, resynced=activity.resynced,
                   rejected={email: reason for email, reason in activity.errors if email},
                   message="; ".join(failures), run_by="prospect2")

    def headline(self) -> str:
        """One line: ``data_syncs.members: succeeded: 12 added, 3 removed, …``."""
        resumed = " (finished an interrupted run)" if self.resumed else ""
        if self.run_by == "prospect2":
            resumed = " (run by Prospect2)"
        if self.status == STOPPED:
            return f"{self.address}: stopped before any write: {self.message}"
        if self.status == FAILED:
            return f"{self.address}: failed{resumed}: {self.message}"
        if self.status == RUNNING:
            return f"{self.address}: running or interrupted (started {self.started_at})"
        if self.status == INTERRUPTED:
            detail = f" ({self.message})" if self.message else ""
            return f"{self.address}: interrupted{detail}; the next run finishes it"
        return (f"{self.address}: {self.status}{resumed}: {self.added} added, "
                f"{self.resynced} re-synced, {self.retried} retried, {self.removed} removed, "
                f"{len(self.rejected)} rejected")

    def detail_lines(self) -> list[str]:
        if self.run_by == "prospect2":  # its activity log holds the counts alone
            return [f"  rejected {count}: {reason}"
                    for reason, count in self.rejection_reasons().items()]
        lines: list[str] = []
        if self.status == SUCCEEDED:  # a run that stopped, failed or was cut never counted
            lines.append(f"  constituents: {self.constituents_added} joined, "
                         f"{self.constituents_removed} left, {self.list_size} in the list")
            lines += [f"  {self.message}"] if self.message else []
        lines.append(f"  API calls: Tessitura {self.tessitura_calls}, Prospect2 "
                     f"{self.prospect2_calls} ({self.rate_limited} answered 429)")
        if self.purposes_added or self.purposes_removed or self.purposes_not_found:
            lines.append(f"  contact point purpose: added to {self.purposes_added}, removed "
                         f"from {self.purposes_removed} (trigger webhooks)")
        if missing := self.purposes_not_found:
            them = verb(missing, "it", "them")
            lines.append(f"  contact point purpose: not found in Tessitura for "
                         f"{plural(missing, 'address', 'addresses')} (no constituent holds {them} "
                         f"now): nothing set on {them}")
        if self.waiting:
            lines.append(f"  {plural(self.waiting, 'listed constituent')} "
                         f"{verb(self.waiting, 'has', 'have')} no address the sync's filters "
                         "let through (permission, purpose, type, primary): not synced, "
                         "looked at again next run")
        if self.kept_shared:
            lines.append(f"  {plural(self.kept_shared, 'address', 'addresses')} of leavers "
                         f"{verb(self.kept_shared, 'keeps', 'keep')} the tag: a listed "
                         f"constituent still {verb(self.kept_shared, 'owns it', 'owns them')}")
        for reason, count in self.rejection_reasons().items():
            lines.append(f"  rejected {count}: {reason}")
        for reason, count in sorted(self.values_left_out.items()):
            lines.append(f"  value left out of {plural(count, 'import')}: {reason}")
        if self.notify_error:
            lines.append(f"  summary not sent: {self.notify_error}")
        return lines

    def summary_text(self) -> str:
        """The notification email's body (seed 003: counts, errors and their details)."""
        lines = [self.headline(), "", *self.detail_lines(), "",
                 f"Started {self.started_at}, finished {self.finished_at or '-'}.",
                 f"Run {self.run_id}."]
        rejected = sorted(self.rejected.items())
        if rejected:
            lines += ["", "Rejected contacts (retried by the next run):"]
            lines += [f"  {address}: {reason}" for address, reason in rejected[:200]]
            if len(rejected) > 200:
                lines.append(f"  … and {len(rejected) - 200} more")
        return "\n".join(lines) + "\n"

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "rejection_reasons": self.rejection_reasons()}
