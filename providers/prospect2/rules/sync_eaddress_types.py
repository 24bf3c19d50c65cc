"""Seed 003: eaddress type filters name email types.

A Data Sync filters email addresses, so a non-email electronic address type matches nothing::

    filters: {eaddress_types: [Website]}          # not an email type: refused
    filters: {eaddress_types: [Primary e-mail]}   # accepted
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import FieldProblem
from engine.references import row_of
from engine.rules import Rule, RuleContext

EADDRESS_TYPES = "tessitura.eaddress_types"


class SyncEaddressTypes(Rule):
    seed: ClassVar[str] = "003"
    kinds: ClassVar[tuple[str, ...]] = ("data_syncs",)

    async def check(self, sync: Any, context: RuleContext) -> None:
        rows = await context.refs.reference(EADDRESS_TYPES)
        for index, ref in enumerate(sync.filters.eaddress_types):
            row = row_of(ref, rows)
            if row is not None and not row.data.get("is_email"):
                raise FieldProblem(f"filters.eaddress_types.{index}", (
                    f"electronic address type {row.description!r} (id {row.id}) is not an "
                    "email type, so no email address would pass this filter"))
