"""Which writeback mapping a sent campaign falls under (seed 002).

A mapping matches by a case-insensitive glob on the campaign name or by a tag the campaign
carries. When several match, the first by mapping name wins and the others are kept so the
run can say so: the user should make their globs disjoint.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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
