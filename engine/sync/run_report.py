"""What one sync run did: counts, rejections, API use, and the summary users read.

The same report feeds the run log (``sync log``), the CLI's closing lines and the notification
email, so the three never disagree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from engine.state.base import SyncRunLogEntry
from engine.words import plural, verb

SUCCEEDED = "succeeded"
FAILED = "failed"
STOPPED = "stopped"  # refused by a safety check before any write
RUNNING = "running"
INTERRUPTED = "interrupted"  # stopped by Ctrl-C (or found dead): the next run finishes it


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
    rejected: dict[str, str] = field(default_factory=dict)  # address -> the API's reason
    tessitura_calls: int = 0
    prospect2_calls: int = 0
    rate_limited: int = 0
    message: str = ""
    notify_error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == SUCCEEDED

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

    def headline(self) -> str:
        """One line: ``data_syncs.members: succeeded: 12 added, 3 removed, …``."""
        resumed = " (finished an interrupted run)" if self.resumed else ""
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
        lines = [f"  constituents: {self.constituents_added} joined, "
                 f"{self.constituents_removed} left, {self.list_size} in the list",
                 f"  API calls: Tessitura {self.tessitura_calls}, Prospect2 "
                 f"{self.prospect2_calls} ({self.rate_limited} answered 429)"]
        if self.kept_shared:
            lines.append(f"  {plural(self.kept_shared, 'address', 'addresses')} of leavers "
                         f"{verb(self.kept_shared, 'keeps', 'keep')} the tag: a listed "
                         f"constituent still {verb(self.kept_shared, 'owns it', 'owns them')}")
        for reason, count in self.rejection_reasons().items():
            lines.append(f"  rejected {count}: {reason}")
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
