"""Seeds 000–003: the Tessitura-integration kinds need an account connected to Tessitura.

CSI webhooks, Data Syncs and writeback mappings live on Prospect2's "Tessitura Integrated"
pages, which an account not connected to Tessitura (``GET /tessitura/account`` →
``tessituraConnected: false``) does not have::

    data_syncs: {members: {...}}    # account not connected: refused, whatever the fields
    data_syncs: {members: {...}}    # account connected: accepted (other rules still apply)

The rule's name sorts first, so a disconnected account gets this one message, not a later
rule's; it is account-wide, so ``drift`` refuses with it too rather than report clean.
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import FieldProblem
from engine.rules import Rule, RuleContext

PART_B_KINDS = ("csi_webhooks", "data_syncs", "campaign_writebacks")


class AccountTessituraConnected(Rule):
    seed: ClassVar[str] = "000, 001, 002, 003"
    kinds: ClassVar[tuple[str, ...]] = PART_B_KINDS
    account_wide: ClassVar[bool] = True  # drift refuses as plan does

    async def check(self, resource: Any, context: RuleContext) -> None:
        account = await context.handler.account()  # type: ignore[attr-defined]
        if not account.get("tessituraConnected"):
            raise FieldProblem(None, (
                "this Prospect2 account is not connected to Tessitura (tessituraConnected is "
                "false), so it has no CSI webhooks, Data Syncs or writebacks: connect the "
                "account to Tessitura in Prospect2 first, or remove this resource"))
