"""Seed 003: CPP filters only of the Email Address contact point category.

Only purposes assigned to the Email Address category (TX_CONTACT_POINT_CATEGORY_PURPOSE) can
filter a Data Sync's email addresses::

    filters: {contact_point_purposes: [Mail Appeals]}   # a Postal Address purpose: refused
    filters: {contact_point_purposes: [Newsletter]}     # an Email Address purpose: accepted
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.kinds import FieldProblem, ReferenceRow

EMAIL_CATEGORY = "Email Address"


def email_category_ids(categories: Sequence[ReferenceRow]) -> set[str]:
    return {str(c.id) for c in categories
            if c.description.casefold() == EMAIL_CATEGORY.casefold()}


def check(index: int, purpose: ReferenceRow, categories: Sequence[ReferenceRow]) -> None:
    email_ids = email_category_ids(categories)
    if not email_ids & {str(c) for c in purpose.data.get("category_ids", [])}:
        raise FieldProblem(f"filters.contact_point_purposes.{index}", (
            f"contact point purpose {purpose.description!r} (id {purpose.id}) is not of the "
            f"{EMAIL_CATEGORY} category; only Email Address purposes can filter a Data Sync"))
