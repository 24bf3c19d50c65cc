"""Seed 003: CPP filters only of the Email Address contact point category.

Only purposes assigned to the Email Address category (TX_CONTACT_POINT_CATEGORY_PURPOSE) can
filter a Data Sync's email addresses::

    filters: {contact_point_purposes: [Mail Appeals]}   # a Postal Address purpose: refused
    filters: {contact_point_purposes: [Newsletter]}     # an Email Address purpose: accepted
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import FieldProblem
from engine.references import row_of
from engine.rules import Rule, RuleContext

EMAIL_CATEGORY = "Email Address"
PURPOSES = "tessitura.contact_point_purposes"
CATEGORIES = "tessitura.contact_point_categories"


class SyncCppFilters(Rule):
    seed: ClassVar[str] = "003"
    kinds: ClassVar[tuple[str, ...]] = ("data_syncs",)

    async def check(self, sync: Any, context: RuleContext) -> None:
        categories = await context.refs.reference(CATEGORIES)
        email_ids = {str(c.id) for c in categories
                     if c.description.casefold() == EMAIL_CATEGORY.casefold()}
        purposes = await context.refs.reference(PURPOSES)
        for index, ref in enumerate(sync.filters.contact_point_purposes):
            purpose = row_of(ref, purposes)
            if purpose is None:
                continue
            if not email_ids & {str(c) for c in purpose.data.get("category_ids", [])}:
                raise FieldProblem(f"filters.contact_point_purposes.{index}", (
                    f"contact point purpose {purpose.description!r} (id {purpose.id}) is not "
                    f"of the {EMAIL_CATEGORY} category; only Email Address purposes can filter "
                    "a Data Sync"))
