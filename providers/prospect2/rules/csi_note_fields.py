"""Seed 000, step 5: note fields are custom fields of the contact record.

Each perstag must exist in Prospect2, be declared under ``custom_fields``, or be an
integration field::

    note_fields: [SEAT_LOCATON]     # no such field: refused
    note_fields: [SEAT_LOCATION]    # accepted
"""

from __future__ import annotations

from engine.kinds import FieldProblem
from providers.prospect2.rules.custom_field_perstags import KnownPerstags, normalize_perstag


def check(values: list[str], known: KnownPerstags) -> list[str]:
    """The normalized perstags, after the rule."""
    perstags: list[str] = []
    for index, value in enumerate(values):
        perstag = normalize_perstag(value)
        if not known.knows(perstag):
            raise FieldProblem(f"note_fields.{index}", known.unknown(perstag))
        if perstag in perstags:
            raise FieldProblem(f"note_fields.{index}", f"{perstag} is listed twice")
        perstags.append(perstag)
    return perstags
