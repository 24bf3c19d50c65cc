"""Seed 000, step 5: note fields are custom fields of the contact record.

Each perstag must exist in Prospect2, be declared under ``custom_fields``, or be an
integration field, and be listed once::

    note_fields: [SEAT_LOCATON]     # no such field: refused
    note_fields: [SEAT_LOCATION]    # accepted
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import FieldProblem
from engine.rules import Rule, RuleContext
from providers.prospect2.rules.custom_field_perstags import known_perstags


class CsiNoteFields(Rule):
    seed: ClassVar[str] = "000"
    kinds: ClassVar[tuple[str, ...]] = ("csi_webhooks",)

    async def check(self, webhook: Any, context: RuleContext) -> None:
        known = await known_perstags(context.refs)
        seen: list[str] = []
        for index, perstag in enumerate(webhook.note_fields):
            if not known.knows(perstag):
                raise FieldProblem(f"note_fields.{index}", known.unknown(perstag))
            if perstag in seen:
                raise FieldProblem(f"note_fields.{index}", f"{perstag} is listed twice")
            seen.append(perstag)
