"""``validate``: the result as text, as GitHub annotations, or as JSON."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text

from engine.artifacts import VALIDATE
from engine.errors import ManifestError
from engine.plan.model import PlanWarning
from engine.render.annotations import error_annotation, warning_annotation
from engine.validation import ValidationResult
from engine.words import plural, verb


def _resolves(result: ValidationResult) -> str:
    if not result.online:
        return ""
    return f" and {verb(result.resources, 'resolves', 'resolve')} against live data"


def validate_text(result: ValidationResult) -> Text:
    """Warnings, then one success line (errors are raised: they print as any error does)."""
    out = Text()
    for w in result.warnings:
        where = f" [{w.origin}]" if w.origin else ""
        out.append(f"Warning: {w.address}: {w.message}{where}\n", style="yellow")
    out.append(f"Success: {plural(result.resources, 'resource')} in "
               f"{plural(result.files, 'file')} {verb(result.resources, 'is', 'are')} valid"
               f"{_resolves(result)}.\n", style="green")
    return out


def validate_github(result: ValidationResult) -> str:
    """Annotations on stdout, where the runner reads workflow commands."""
    if result.errors:
        return "".join(error_annotation(e) + "\n" for e in result.errors)
    lines = [warning_annotation(w) for w in result.warnings]
    lines.append(f"Success: {plural(result.resources, 'resource')} "
                 f"{verb(result.resources, 'is', 'are')} valid{_resolves(result)}.")
    return "\n".join(lines) + "\n"


def problem_document(error: ManifestError) -> dict[str, Any]:
    return {"message": error.detail, "file": error.file, "line": error.line,
            "field": error.field}


def warning_document(warning: PlanWarning) -> dict[str, Any]:
    return {"message": warning.message, "address": warning.address, "origin": warning.origin}


def validate_json(result: ValidationResult) -> str:
    body = VALIDATE.stamp({
        "valid": result.valid, "online": result.online, "resources": result.resources,
        "files": result.files, "errors": [problem_document(e) for e in result.errors],
        "warnings": [warning_document(w) for w in result.warnings]})
    return json.dumps(body, indent=2, sort_keys=True) + "\n"
