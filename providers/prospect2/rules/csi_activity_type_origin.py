"""Seed 001: an activity type tied to an Origin never creates a CSI.

Tessitura uses an Origin's activity type for its own purpose, so a Prospect2 webhook with it
silently does nothing::

    activity_type: Web Inquiry      # the Origin "Website" uses it: refused
    activity_type: Pro2 Feedback    # a dedicated activity type (activity_types kind): accepted
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import FieldProblem
from engine.rules import Rule, RuleContext
from providers.prospect2.rules.csi_activity_type import activity_type_facts

ORIGINS = "tessitura.origins"


class CsiActivityTypeOrigin(Rule):
    seed: ClassVar[str] = "001"
    kinds: ClassVar[tuple[str, ...]] = ("csi_webhooks",)

    async def check(self, webhook: Any, context: RuleContext) -> None:
        facts = await activity_type_facts(webhook, context.refs)
        if facts.row is None:
            return
        origins = await context.refs.reference(ORIGINS)
        tied = [o for o in origins if str(o.data.get("activity_type_id")) == str(facts.row.id)]
        if tied:
            names = ", ".join(f"{o.description!r} (id {o.id})" for o in tied)
            raise FieldProblem("activity_type", (
                f"activity type {facts.description!r} is tied to the Origin {names}, so it "
                "would never create a CSI: delete the Origin or use a dedicated activity type"))
