"""Seed 003: "Ignore Contact Permissions" exists only where the account uses them.

The option is offered only in accounts integrated with Tessitura's Contact Permissions
(``GET /tessitura/account`` → ``contactPermissionsIntegrated``)::

    filters: {ignore_contact_permissions: true}    # account not integrated: refused
    filters: {ignore_contact_permissions: false}   # accepted everywhere
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import FieldProblem
from engine.rules import Rule, RuleContext


class SyncContactPermissions(Rule):
    seed: ClassVar[str] = "003"
    kinds: ClassVar[tuple[str, ...]] = ("data_syncs",)

    async def check(self, sync: Any, context: RuleContext) -> None:
        if not sync.filters.ignore_contact_permissions:
            return
        account = await context.handler.account()  # type: ignore[attr-defined]
        if not account.get("contactPermissionsIntegrated"):
            raise FieldProblem("filters.ignore_contact_permissions", (
                "ignore_contact_permissions needs a Prospect2 account integrated with "
                "Tessitura Contact Permissions, and this account is not"))
