"""Seed 003: a Data Sync's list is a dynamic List Manager list marked for Prospect2.

Only dynamic lists with the "Prospect2" box checked (TMSIndicator) appear on the Data Sync
page::

    list: Gala 2025 Static     # a static list: refused
    list: Board Only           # not marked for Prospect2: refused
    list: Members - Current    # dynamic and marked: accepted
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import FieldProblem
from engine.references import row_of
from engine.rules import Rule, RuleContext

LISTS = "tessitura.lists"


class SyncList(Rule):
    seed: ClassVar[str] = "003"
    kinds: ClassVar[tuple[str, ...]] = ("data_syncs",)

    async def check(self, sync: Any, context: RuleContext) -> None:
        row = row_of(sync.list, await context.refs.reference(LISTS))
        if row is None:
            return
        if not row.data.get("is_dynamic"):
            raise FieldProblem("list", (
                f"list {row.description!r} (id {row.id}) is static; a Data Sync needs a "
                "dynamic List Manager list, which Prospect2 regenerates before each run"))
        if not row.data.get("prospect2"):
            raise FieldProblem("list", (
                f"list {row.description!r} (id {row.id}) is not marked for Prospect2: check "
                "the \"Prospect2\" box on the list in Tessitura's List Manager"))
