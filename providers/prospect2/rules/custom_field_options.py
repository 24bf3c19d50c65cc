"""Spec §2: options belong to dropdown, listbox, radio and checkbox fields.

ActiveCampaign refuses an option on any other field type (``POST /fieldOption/bulk``); the
field's model refuses that when the manifest is read, so ``validate`` says it offline. This
rule warns of the other half: a choice field without options offers nothing to choose::

    type: text
    options: [Friend, Patron]     # refused (at validate): a text field takes no options
    type: dropdown                # warned: a dropdown with no options offers no choice
                                  # (quiet with lifecycle.ignore_changes: [options])
    type: dropdown
    options: [Friend, Patron]     # accepted
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.rules import Rule, RuleContext
from providers.prospect2.kinds.field_choices import CHOICE_TYPES


class CustomFieldOptions(Rule):
    seed: ClassVar[str] = "spec §2"
    kinds: ClassVar[tuple[str, ...]] = ("custom_fields",)

    async def check(self, field: Any, context: RuleContext) -> None:
        if (field.type in CHOICE_TYPES and not field.options
                and "options" not in field.lifecycle.ignore_changes):
            context.warn("type", f"a {field.type} field with no options offers no "
                         "choice: list them under options")
