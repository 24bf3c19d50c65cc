"""Seed 002: a writeback mapping by campaign tag names a tag that exists, declared under
``tags`` (by its NAME or its name) or already in Prospect2, as a Data Sync's ``tag`` does.

A mapping naming any other tag could never match a campaign, and nothing would say so: every
``writeback run`` would quietly leave its campaigns unwritten. Matching ignores case, so a tag
named in another case is accepted::

    match: {campaign_tag: Gala 2024 Atendee}   # no such tag: refused, naming the closest
    match: {campaign_tag: Gala 2024 Attendee}  # a tag in Prospect2: accepted
    match: {campaign_tag: members-active}      # the tags.members-active resource: accepted
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.rules import Rule, RuleContext
from providers.prospect2.rules.sync_tag import require_tag


class WritebackCampaignTag(Rule):
    seed: ClassVar[str] = "002"
    kinds: ClassVar[tuple[str, ...]] = ("campaign_writebacks",)

    async def check(self, mapping: Any, context: RuleContext) -> None:
        tag = mapping.match.campaign_tag
        if tag:
            await require_tag(tag, context.refs, field="match.campaign_tag", any_case=True,
                              why="a mapping by campaign tag matches only campaigns carrying "
                                  "an existing tag")
