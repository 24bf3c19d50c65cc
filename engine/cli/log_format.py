"""Output made for CI logs: JSON-lines logging and GitHub workflow annotations.

CI systems search logs by field and turn ``::error file=…`` lines into inline review comments,
so both formats are exact contracts; they live together because both exist for pipelines.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from engine.errors import ManifestError
from engine.plan.model import PlanWarning

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
ANNOTATION_TITLE = "callboard"

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


def escape_data(text: str) -> str:
    """Escape a workflow command's message as GitHub's runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (``file=``, ``title=``…)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, message: str, *, file: str | None = None,
               line: int | None = None, title: str = ANNOTATION_TITLE) -> str:
    """One ``::error``/``::warning`` workflow command line."""
    properties = []
    if file:
        properties.append(f"file={escape_property(file)}")
        if line:
            properties.append(f"line={line}")
    properties.append(f"title={escape_property(title)}")
    return f"::{level} {','.join(properties)}::{escape_data(message)}"


def error_annotation(error: ManifestError) -> str:
    """A manifest error placed on its file and line, the message naming the field."""
    message = f"{error.field}: {error.detail}" if error.field else error.detail
    return annotation("error", message, file=error.file, line=error.line)


def warning_annotation(warning: PlanWarning) -> str:
    """A plan-time warning placed on the manifest line it came from (``file:line``)."""
    file, line = None, None
    if warning.origin:
        head, _, tail = warning.origin.rpartition(":")
        file, line = (head, int(tail)) if head and tail.isdigit() else (warning.origin, None)
    message = f"{warning.address}: {warning.message}" if warning.address else warning.message
    return annotation("warning", message, file=file, line=line)
