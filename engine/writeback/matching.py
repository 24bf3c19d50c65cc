"""Which writeback mapping a sent campaign falls under (seed 002).

A mapping matches by a case-insensitive glob on the campaign name or by a tag the campaign
carries. When several match, the first by mapping name wins and the others are kept so the
run can say so: the user should make their globs disjoint.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase

from engine.writeback.ports import Campaign, WritebackMapping


@dataclass(frozen=True)
class MappingChoice:
    """The mapping a campaign is written back under, and any others that also matched."""

    mapping: WritebackMapping
    also_matched: tuple[WritebackMapping, ...] = ()


def mapping_matches(mapping: WritebackMapping, campaign: Campaign) -> bool:
    """A name glob (fnmatch, any case) or a tag the campaign carries (any case)."""
    if mapping.campaign_tag is not None:
        wanted = mapping.campaign_tag.casefold()
        return any(tag.casefold() == wanted for tag in campaign.tags)
    if mapping.campaign_name_glob is None:
        return False
    return fnmatchcase(campaign.name.casefold(), mapping.campaign_name_glob.casefold())


def in_name_order(mappings: Iterable[WritebackMapping]) -> list[WritebackMapping]:
    return sorted(mappings, key=lambda m: (m.name.casefold(), m.name, m.id))


def choose_mapping(campaign: Campaign,
                   mappings: Iterable[WritebackMapping]) -> MappingChoice | None:
    """The first matching mapping by name, or None when none matches."""
    matching = [m for m in in_name_order(mappings) if mapping_matches(m, campaign)]
    if not matching:
        return None
    return MappingChoice(matching[0], tuple(matching[1:]))


def tag_mappings_without_tags(campaigns: Iterable[Campaign],
                              mappings: Iterable[WritebackMapping]) -> list[WritebackMapping]:
    """Tag mappings that cannot match because Prospect2 reported no tag on any campaign.

    The ActiveCampaign campaign API carries no tags today, so such a mapping silently
    matches nothing; the run reports it instead.
    """
    if any(c.tags for c in campaigns):
        return []
    return [m for m in in_name_order(mappings) if m.campaign_tag is not None]


def written_back_since(mapping: WritebackMapping, back_fill: date | None = None) -> date | None:
    """The first sending day a mapping writes back: its ``since`` (by default the day it was
    made, so a new mapping never back-fills the past), or ``--since`` when that is earlier."""
    if back_fill is not None and (mapping.since is None or back_fill < mapping.since):
        return back_fill
    return mapping.since


def sent_too_early(campaign: Campaign, mapping: WritebackMapping,
                   back_fill: date | None = None) -> date | None:
    """The ``since`` a campaign was sent before (it is not written back), or None. A sent
    campaign whose day the service does not say is written back."""
    since = written_back_since(mapping, back_fill)
    if since is None or campaign.sent_on is None or campaign.sent_on >= since:
        return None
    return since
