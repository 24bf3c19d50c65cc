"""GitHub workflow annotations: ``::error file=…,line=…::message`` lines that the runner turns
into inline comments on the manifest lines (``validate --format github``). An exact contract,
escaped as the runner unescapes it."""

from __future__ import annotations

from engine.errors import ManifestError
from engine.plan.model import PlanWarning

ANNOTATION_TITLE = "callboard"


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
