"""Seed 000, step 4: an activity category that auto-closes creates closed CSIs (a warning).

Nothing is wrong with it, but staff will not see the CSI as open work::

    activity_type: Survey Reply       # category Feedback Received auto-closes: warned
    activity_type: Patron Feedback    # category Customer Service stays open: quiet
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.references import row_of
from engine.rules import Rule, RuleContext
from providers.prospect2.rules.csi_activity_type import ACTIVITY_CATEGORIES, activity_type_facts


class CsiAutoClose(Rule):
    seed: ClassVar[str] = "000"
    kinds: ClassVar[tuple[str, ...]] = ("csi_webhooks",)

    async def check(self, webhook: Any, context: RuleContext) -> None:
        facts = await activity_type_facts(webhook, context.refs)
        categories = await context.refs.reference(ACTIVITY_CATEGORIES)
        category = row_of(facts.category, categories) if facts.category else None
        if category is not None and category.data.get("auto_close"):
            context.warn("activity_type", (
                f"activity type {facts.description!r} is in the category "
                f"{category.description!r}, which auto-closes: CSIs will be created closed"))
