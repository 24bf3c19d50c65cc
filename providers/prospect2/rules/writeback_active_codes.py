"""Seed 002: a writeback mapping's appeal, source group and media type are active in Tessitura,
checked by ``drift`` too.

Plan resolves the three codes and refuses an inactive row (the campaign form's Tessitura tab
offers only active ones). A Tessitura admin can retire one after apply; ``writeback run`` then
refuses the mapping before any write, and ``drift`` must not call the account clean, so this
rule is account-wide: drift refuses with plan's own message::

    appeal: FY26 Annual Fund     # inactive in Tessitura: refused, naming the closest active
    appeal: FY27 Annual Fund     # active: accepted
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import FieldProblem
from engine.references import match_reference, require_active
from engine.rules import Rule, RuleContext
from providers.prospect2.rules.writeback_codes import CODES


class WritebackActiveCodes(Rule):
    seed: ClassVar[str] = "002"
    kinds: ClassVar[tuple[str, ...]] = ("campaign_writebacks",)
    account_wide: ClassVar[bool] = True  # drift refuses as plan does

    async def check(self, mapping: Any, context: RuleContext) -> None:
        """Only an inactive row: a missing or ambiguous one is plan's to refuse (drift reports
        a description that became ambiguous as a change)."""
        for field, (table, what, ui_form) in CODES.items():
            rows = await context.refs.reference(table)
            try:
                row = match_reference(getattr(mapping, field), rows, field=field, what=what,
                                      ui_form=ui_form)
            except FieldProblem:
                continue
            require_active(table, row, rows, field=field, what=what, ui_form=ui_form)
