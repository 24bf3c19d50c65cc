"""Spec §2: options belong to dropdown, listbox, radio and checkbox fields.

ActiveCampaign refuses an option on any other field type (``POST /fieldOption/bulk``), and a
choice field without options offers nothing to choose::

    type: text
    options: [Friend, Patron]     # refused: a text field takes no options
    type: dropdown                # warned: a dropdown with no options offers no choice
                                  # (quiet with lifecycle.ignore_changes: [options])
    type: dropdown
    options: [Friend, Patron]     # accepted
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import FieldProblem
from engine.rules import Rule, RuleContext
from providers.prospect2.kinds.field_choices import CHOICE_TYPES


class CustomFieldOptions(Rule):
    seed: ClassVar[str] = "spec §2"
    kinds: ClassVar[tuple[str, ...]] = ("custom_fields",)

    async def check(self, field: Any, context: RuleContext) -> None:
        if field.type in CHOICE_TYPES:
            if not field.options and "options" not in field.lifecycle.ignore_changes:
                context.warn("type", f"a {field.type} field with no options offers no "
                             "choice: list them under options")
            return
        if field.options:
            raise FieldProblem("options", (
                f"a {field.type} field takes no options; options belong to "
                f"{', '.join(CHOICE_TYPES[:-1])} and {CHOICE_TYPES[-1]} fields"))
