"""Seed 000, step 4: only activity types whose perf_ind is none or Performance.

Prospect2 does not list Package or Package/Performance activity types on the CSI form::

    activity_type: Package Query          # perf_ind Package: refused
    activity_type: Patron Feedback        # perf_ind none: accepted
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import FieldProblem
from engine.rules import Rule, RuleContext
from providers.prospect2.rules.csi_activity_type import activity_type_facts

ALLOWED = ("none", "Performance")


class CsiActivityTypePerfInd(Rule):
    seed: ClassVar[str] = "000"
    kinds: ClassVar[tuple[str, ...]] = ("csi_webhooks",)

    async def check(self, webhook: Any, context: RuleContext) -> None:
        facts = await activity_type_facts(webhook, context.refs)
        if facts.perf_ind.casefold() not in {a.casefold() for a in ALLOWED}:
            raise FieldProblem("activity_type", (
                f"Prospect2 does not offer Package activity types for CSI webhooks: "
                f"{facts.description!r} has perf_ind {facts.perf_ind}; choose one whose "
                "perf_ind is none or Performance"))
