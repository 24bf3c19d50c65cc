"""Spec §2: removing an option that contacts hold is a warning, with how many hold it.

ActiveCampaign keeps a contact's value when its option is deleted, but the value is no longer
one of the field's choices (forms and segments stop offering it). The plan counts the holders
of each removed option and says what the count cost::

    options: [Friend, Patron]              # live: Friend, Supporter, Patron
                                           # warned when contacts hold Supporter
    options: [Friend, Supporter, Patron]   # quiet
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.rules import Rule, RuleContext


class CustomFieldOptionRemoval(Rule):
    seed: ClassVar[str] = "spec §2"
    kinds: ClassVar[tuple[str, ...]] = ("custom_fields",)

    async def check(self, field: Any, context: RuleContext) -> None:
        if "options" in field.lifecycle.ignore_changes:
            return
        live = next((o for o in await context.refs.live_objects("custom_fields")
                     if o.key == field.perstag), None)
        if live is None or live.value.type != field.type:
            return  # a new field, or a replace (its impact says what goes)
        removed = [value for value in live.value.options if value not in field.options]
        if not removed:
            return
        counts, requests = await context.handler.holders(  # type: ignore[attr-defined]
            live.remote_id, field.type, removed)
        held = [f"{value!r} ({_contacts(counts[value])})" for value in removed
                if counts.get(value)]
        if held:
            context.warn("options", (
                f"removing option{'s' if len(held) > 1 else ''} {', '.join(held)} of "
                f"{field.title!r}: those contacts keep the value, which is no longer one of "
                f"the field's choices (counted with {_requests(requests)})"))


def _contacts(count: int) -> str:
    return f"{count:,} contact{'s' if count != 1 else ''}"


def _requests(count: int) -> str:
    return f"{count} Prospect2 request{'s' if count != 1 else ''}"
