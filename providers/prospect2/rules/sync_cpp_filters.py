"""Seed 003: CPP filters only of the Email Address contact point category.

Only purposes assigned to the Email Address category (TX_CONTACT_POINT_CATEGORY_PURPOSE) can
filter a Data Sync's email addresses::

    filters: {contact_point_purposes: [Mail Appeals]}   # a Postal Address purpose: refused
    filters: {contact_point_purposes: [Newsletter]}     # an Email Address purpose: accepted
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import FieldProblem, ReferenceContext, ReferenceRow
from engine.references import Ref, row_of
from engine.rules import Rule, RuleContext

EMAIL_CATEGORY = "Email Address"
PURPOSES = "tessitura.contact_point_purposes"
CATEGORIES = "tessitura.contact_point_categories"


class SyncCppFilters(Rule):
    seed: ClassVar[str] = "003"
    kinds: ClassVar[tuple[str, ...]] = ("data_syncs",)

    async def check(self, sync: Any, context: RuleContext) -> None:
        for index, ref in enumerate(sync.filters.contact_point_purposes):
            purpose = await not_an_email_purpose(ref, context.refs)
            if purpose is not None:
                raise FieldProblem(f"filters.contact_point_purposes.{index}", (
                    f"contact point purpose {purpose.description!r} (id {purpose.id}) is not "
                    f"of the {EMAIL_CATEGORY} category; only Email Address purposes can filter "
                    "a Data Sync"))


async def not_an_email_purpose(ref: Ref, refs: ReferenceContext) -> ReferenceRow | None:
    """The purpose's row when it is not of the Email Address category (else None)."""
    categories = await refs.reference(CATEGORIES)
    email_ids = {str(c.id) for c in categories
                 if c.description.casefold() == EMAIL_CATEGORY.casefold()}
    purpose = row_of(ref, await refs.reference(PURPOSES))
    if purpose is None or email_ids & {str(c) for c in purpose.data.get("category_ids", [])}:
        return None
    return purpose
