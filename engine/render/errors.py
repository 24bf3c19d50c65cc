"""An error as a JSON document, for a command asked for ``--format json`` (spec §3: scripts
decide by ``kind`` and the exit code, never by the message)."""

from __future__ import annotations

import json

from engine.artifacts import ERROR
from engine.errors import CallboardError, ManifestError
from engine.render.validate import problem_document
from engine.validation import manifest_problems


def error_json(kind: str, message: str, exit_code: int,
               problems: list[ManifestError] | None = None) -> str:
    body = ERROR.stamp({"error": {
        "kind": kind, "message": message, "exit_code": exit_code,
        "problems": [problem_document(p) for p in problems or []]}})
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def callboard_error_json(error: CallboardError) -> str:
    """A Callboard error; a manifest error lists each problem with its file and line."""
    problems = manifest_problems(error) if error.kind == "manifest" else []
    return error_json(error.kind, str(error), error.exit_code, problems)
