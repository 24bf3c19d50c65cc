"""Every output a command prints in a chosen ``--format``, and the renderer of each format.

``--format`` offers exactly the formats listed here for its output, so a new renderer is one
line in this table and the command line follows.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from rich.text import Text

from engine.render.json_output import drift_json, plan_json
from engine.render.markdown import drift_markdown, plan_markdown
from engine.render.sync_log import log_json, log_text
from engine.render.sync_preview import preview_json, preview_text
from engine.render.text import drift_text, plan_text
from engine.render.validate import validate_github, validate_json, validate_text

Rendered = Text | str

#: output -> format -> renderer (``text`` first: the default).
OUTPUTS: dict[str, dict[str, Callable[..., Rendered]]] = {
    "plan": {"text": plan_text, "markdown": plan_markdown, "json": plan_json},
    "drift": {"text": drift_text, "markdown": drift_markdown, "json": drift_json},
    "validate": {"text": validate_text, "github": validate_github, "json": validate_json},
    "sync-preview": {"text": preview_text, "json": preview_json},
    "sync-log": {"text": log_text, "json": log_json},
}


def formats(output: str) -> list[str]:
    return list(OUTPUTS[output])


def render(output: str, fmt: str, subject: Any, **options: Any) -> Rendered:
    """``subject`` (a plan, a drift report…) rendered as ``fmt``. Each renderer gets the
    ``options`` it names (the plan's markdown names ``plan_sha256``), so callers need not
    know which format takes what."""
    renderer = OUTPUTS[output][fmt]
    names = inspect.signature(renderer).parameters
    return renderer(subject, **{k: v for k, v in options.items() if k in names})
