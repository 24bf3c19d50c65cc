"""Matching a manifest's reference to a row of live reference data.

Manifests name Tessitura reference data (an activity type, an appeal, a list…) by its
description string or as ``{id: N}``; a few also accept the UI's ``"7: E-mail"`` form. Missing
or ambiguous values fail with the candidates, so the user can fix the manifest at once.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from engine.kinds import FieldProblem, ReferenceRow

UI_FORM = re.compile(r"^\s*(\d+)\s*:\s*(.+?)\s*$")


class ById(BaseModel):
    """``{id: N}``: a reference by id, for descriptions that are not unique or may change."""

    model_config = ConfigDict(extra="forbid")
    id: int


#: What a manifest field referring to reference data accepts.
Reference = str | ById


def reference_value(value: Any) -> Any:
    """A reference as it appears after ``model_dump`` (a string, or ``{"id": N}``)."""
    return value.model_dump() if isinstance(value, ById) else value


def match_reference(value: Any, rows: Sequence[ReferenceRow], *, field: str, what: str,
                    ui_form: bool = False) -> ReferenceRow:
    """The one row ``value`` names, or a FieldProblem saying why not and what exists."""
    if isinstance(value, ById):
        value = value.model_dump()
    if isinstance(value, dict) and "id" in value:
        wanted = str(value["id"])
        for row in rows:
            if str(row.id) == wanted:
                return row
        raise FieldProblem(field, f"no {what} has id {wanted}; {_candidates(rows)}")
    if not isinstance(value, str):
        raise FieldProblem(field, f"expected the {what}'s description or {{id: N}}")
    if ui_form:
        form = UI_FORM.match(value)
        if form:
            row = next((r for r in rows if str(r.id) == form.group(1)), None)
            if row is None or row.description.casefold() != form.group(2).casefold():
                raise FieldProblem(field, f"no {what} is {value!r}; {_candidates(rows, True)}")
            return row
    exact = [r for r in rows if r.description == value]
    if not exact:
        exact = [r for r in rows if r.description.casefold() == value.casefold()]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        ids = ", ".join(str(r.id) for r in exact)
        raise FieldProblem(field, f"{len(exact)} {what}s are described {value!r} (ids {ids}); "
                           "use {id: N} to say which")
    close = difflib.get_close_matches(value, [r.description for r in rows], n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise FieldProblem(field, f"no {what} is described {value!r}{hint}; "
                       f"{_candidates(rows, ui_form)}")


def _candidates(rows: Sequence[ReferenceRow], ui_form: bool = False, limit: int = 12) -> str:
    if not rows:
        return "there are none"
    shown = [f"{r.id}: {r.description}" if ui_form else f"{r.description!r} (id {r.id})"
             for r in rows[:limit]]
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return "candidates: " + ", ".join(shown) + more
