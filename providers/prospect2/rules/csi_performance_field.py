"""Seeds 000 and 001: a Performance activity type needs the field holding the performance.

``performance_field`` is required exactly when the activity type's perf_ind is Performance,
and must name a custom field that exists or is declared (or an integration field)::

    activity_type: Performance Feedback            # perf_ind Performance
    # performance_field missing                    -> refused
    performance_field: PERFDATA__PERF_NO           -> accepted (integration field)

    activity_type: Patron Feedback                 # perf_ind none
    performance_field: AMAHL_PERF_NO               -> refused (it would be ignored)
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import FieldProblem
from engine.rules import Rule, RuleContext
from providers.prospect2.rules.csi_activity_type import activity_type_facts
from providers.prospect2.rules.custom_field_perstags import known_perstags


class CsiPerformanceField(Rule):
    seed: ClassVar[str] = "000, 001"
    kinds: ClassVar[tuple[str, ...]] = ("csi_webhooks",)

    async def check(self, webhook: Any, context: RuleContext) -> None:
        facts = await activity_type_facts(webhook, context.refs)
        value = webhook.performance_field
        if facts.performance and not value:
            raise FieldProblem("performance_field", (
                f"activity type {facts.description!r} is a Performance activity type: name "
                "the custom field that holds the performance number (e.g. PERFDATA__PERF_NO)"))
        if not facts.performance and value:
            raise FieldProblem("performance_field", (
                f"activity type {facts.description!r} is not a Performance activity type, so "
                "a performance field cannot be set; remove it or choose a Performance activity "
                "type"))
        known = await known_perstags(context.refs)
        if value is not None and not known.knows(value):
            raise FieldProblem("performance_field", known.unknown(value))
