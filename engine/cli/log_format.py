"""Logs made for CI: JSON lines that log search can filter by field (an exact contract), or
text at ``-v``. GitHub workflow annotations are a rendering: engine/render/annotations.py."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"

#: Attributes every ``LogRecord`` has; anything else on a record came from ``extra=``.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime",
                                                                      "taskName"}


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per record, so CI log search can filter by level, logger or field."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD_ATTRIBUTES and name not in entry:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(verbose: int, log_format: str) -> None:
    """Send log records to stderr: text only when asked for with ``-v``; JSON always, so a
    pipeline that asked for JSON never gets a stray plain-text warning."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"unknown log format {log_format!r}")
    if not verbose and log_format == "text":
        return
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _CallboardHandler)]:
        root.removeHandler(old)  # an earlier in-process run's handler (tests call main twice)
    handler = _CallboardHandler(sys.stderr)
    handler.setFormatter(JsonLinesFormatter() if log_format == "json"
                         else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(logging.WARNING if not verbose else
                  logging.INFO if verbose == 1 else logging.DEBUG)


class _CallboardHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, told apart from handlers a host (pytest, an embedding app) installed."""
