"""Seed 003: a tag's integrated purpose is an Email Address Contact Point Purpose.

Trigger webhooks "update integrated Contact Point Purposes on email addresses in Tessitura",
so the purpose a tag stands for must be one an email address can hold (its category is Email
Address in TX_CONTACT_POINT_CATEGORY_PURPOSE)::

    tags: {members-active: {contact_point_purpose: Mail Appeals}}    # Postal Address: refused
    tags: {members-active: {contact_point_purpose: Member Updates}}  # Email Address: accepted
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import FieldProblem
from engine.rules import Rule, RuleContext
from providers.prospect2.rules.sync_cpp_filters import EMAIL_CATEGORY, not_an_email_purpose


class TagContactPointPurpose(Rule):
    seed: ClassVar[str] = "003"
    kinds: ClassVar[tuple[str, ...]] = ("tags",)

    async def check(self, tag: Any, context: RuleContext) -> None:
        if tag.contact_point_purpose is None:
            return
        purpose = await not_an_email_purpose(tag.contact_point_purpose, context.refs)
        if purpose is not None:
            raise FieldProblem("contact_point_purpose", (
                f"contact point purpose {purpose.description!r} (id {purpose.id}) is not of "
                f"the {EMAIL_CATEGORY} category; trigger webhooks update purposes on email "
                "addresses, so a tag stands for an Email Address purpose"))
