"""``sync log``: past Data Sync runs, newest last, in text or JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass

from rich.text import Text

from engine.artifacts import SYNC_LOG
from engine.sync.run_report import FAILED, STOPPED, SUCCEEDED, SyncRunReport


@dataclass
class SyncLog:
    runs: list[SyncRunReport]
    #: The window asked for (``7d``), for the line that says there were none.
    since: str


def run_text(report: SyncRunReport, *, prefix: str = "") -> Text:
    """One run as ``sync run`` and ``sync log`` print it: the headline coloured by outcome."""
    out = Text()
    style = {SUCCEEDED: "green", FAILED: "red", STOPPED: "red"}.get(report.status, "yellow")
    out.append(f"{prefix}{report.headline()}\n", style=style)
    for line in report.detail_lines():
        out.append(line + "\n")
    return out


def log_text(log: SyncLog) -> Text:
    if not log.runs:
        return Text(f"No sync runs in the last {log.since}.\n")
    out = Text()
    for report in log.runs:
        out.append_text(run_text(report, prefix=f"{report.started_at}  "))
    return out


def log_json(log: SyncLog) -> str:
    body = SYNC_LOG.stamp({"runs": [r.as_json() for r in log.runs]})
    return json.dumps(body, indent=2) + "\n"
