"""Errors a user sees: each carries a message that stands on its own (no traceback needed)."""

from __future__ import annotations


class CallboardError(Exception):
    """Base of every error the CLI turns into one clear line and an exit code.

    ``kind`` names the error for machines (``--format json`` errors carry it) and ``exit_code``
    is what the CLI exits with (spec §3: 1 for an error, 3 for a refused saved plan).
    """

    kind: str = "error"
    exit_code: int = 1


class ManifestError(CallboardError):
    """A problem in the user's manifests, pointing at file:line and the field."""

    kind = "manifest"

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        self.file, self.line, self.field, self.detail = file, line, field, message
        where = f"{file}:{line}" if file and line else (file or "")
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{field + ': ' if field else ''}{message}")


class ManifestErrors(CallboardError):
    """Several manifest problems found in one pass, so the user fixes them all at once."""

    kind = "manifest"

    def __init__(self, errors: list[ManifestError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class UsageError(CallboardError):
    """The command line names something that does not exist (a mistyped ``--target`` address
    or sync NAME): a usage error like click's own, so scripts see the same ``kind``."""

    kind = "usage"


class ConfigurationError(CallboardError):
    """A setting Callboard needs is missing or cannot be right (e.g. a URL with no scheme):
    refused before any request, with the fix."""

    kind = "configuration"


class ProviderError(CallboardError):
    """An API answered with an error, refused our credentials, or could not be reached.

    ``status`` is the HTTP status when the service answered (None when it could not be reached),
    so callers decide by status, never by matching message text.
    """

    kind = "provider"

    def __init__(self, message: str, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class StaleObjectError(ProviderError):
    """The live object changed since it was read (Tessitura 409 / changed fingerprint)."""


class StateError(CallboardError):
    """The state store is locked, of another lineage, or otherwise unusable."""

    kind = "state"


class PlanRefused(CallboardError):
    """Safety checks refused a plan (too many deletes, prevent_destroy)."""

    kind = "plan_refused"


class StalePlan(PlanRefused):
    """A saved plan no longer matches what it was made from: the state, a planned live object,
    the manifests and settings (their digest), or the file itself (``--expect-sha256``).
    Scripts tell it apart by exit code 3 (spec §3), never by the message."""

    kind = "stale_plan"
    exit_code = 3
