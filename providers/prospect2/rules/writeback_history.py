"""Seed 002: "use consistent appeal and source group selections" — changing a mapping's codes
is a warning that says what stays where.

Writeback records each campaign once, under the codes the mapping had when it ran (a stopped
run finishes under the codes it froze), and never moves a Tessitura source afterwards. So a new
appeal applies to campaigns written back from then on, and Tessitura reports split the
mapping's campaigns between the two::

    appeal: FY28 Subscriptions   # live: FY27 Subscriptions -> warned: earlier campaigns stay
    appeal: FY27 Subscriptions   # unchanged: quiet
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.rules import Rule, RuleContext
from providers.prospect2.rules.writeback_codes import CODES


class WritebackHistory(Rule):
    seed: ClassVar[str] = "002"
    kinds: ClassVar[tuple[str, ...]] = ("campaign_writebacks",)

    async def check(self, mapping: Any, context: RuleContext) -> None:
        live = next((o for o in await context.refs.live_objects("campaign_writebacks")
                     if o.key == mapping.name), None)
        if live is None:
            return  # a new mapping: nothing was written back under it yet
        for field, (_, words, _) in CODES.items():
            old, new = getattr(live.value, field), getattr(mapping, field)
            if field in mapping.lifecycle.ignore_changes or old == new:
                continue
            context.warn(field, (
                f"the {words} changes from {old.describe()} to {new.describe()}: campaigns "
                f"already written back (and one a stopped 'writeback run' left unfinished) "
                f"stay under {old.describe()}; only campaigns written back after this apply "
                f"go under {new.describe()}"))
