"""Errors a user sees: each carries a message that stands on its own (no traceback needed)."""

from __future__ import annotations


class CallboardError(Exception):
    """Base of every error the CLI turns into one clear line and exit 1."""


class ManifestError(CallboardError):
    """A problem in the user's manifests, pointing at file:line and the field."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        self.file, self.line, self.field, self.detail = file, line, field, message
        where = f"{file}:{line}" if file and line else (file or "")
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{field + ': ' if field else ''}{message}")


class ManifestErrors(CallboardError):
    """Several manifest problems found in one pass, so the user fixes them all at once."""

    def __init__(self, errors: list[ManifestError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class ProviderError(CallboardError):
    """An API answered with an error, refused our credentials, or could not be reached."""


class StaleObjectError(ProviderError):
    """The live object changed since it was read (Tessitura 409 / changed fingerprint)."""


class StateError(CallboardError):
    """The state store is locked, of another lineage, or otherwise unusable."""


class PlanRefused(CallboardError):
    """Safety checks refused a plan (too many deletes, prevent_destroy, stale saved plan)."""
