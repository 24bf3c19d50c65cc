"""What a writeback run needs from the two services, as plain data and two small Protocols.

The engine never imports a provider: Prospect2 offers ``"writeback.campaigns"`` (campaigns,
recipients, mappings) and Tessitura offers ``"writeback.tessitura"`` (owners of addresses,
sources, promotions) through ``Session.port``. Tests can implement these without HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol, runtime_checkable

CAMPAIGNS_PORT = "writeback.campaigns"
TESSITURA_PORT = "writeback.tessitura"

#: ``LP_CALLBOARD_ADD_PROMOTIONS`` takes at most this many constituent ids a call.
MAX_PROMOTION_BATCH = 1000


@dataclass(frozen=True)
class Campaign:
    """One Prospect2 campaign. ``sent`` is decided by the provider (which status code means
    sent is its business); ``status`` is the service's own word, for messages; ``tags``
    stays empty where the service reports none."""

    id: str
    name: str
    sent: bool
    status: str = ""
    tags: tuple[str, ...] = ()
    #: The day it was sent, in the service's own offset (None: not sent, or not said).
    sent_on: date | None = None


def campaign_ref(campaign_id: str) -> str:
    """The key ``LP_CALLBOARD_WRITEBACK_SOURCE`` finds a campaign's source by."""
    return f"prospect2:campaign:{campaign_id}"


@dataclass(frozen=True)
class WritebackMapping:
    """A Prospect2 writeback mapping: which campaigns go to which appeal (seed 002).

    Exactly one of ``campaign_name_glob`` and ``campaign_tag`` is set.
    """

    id: str
    name: str
    appeal_id: int
    source_group_id: int
    media_type_id: int = 7
    campaign_name_glob: str | None = None
    campaign_tag: str | None = None
    #: Campaigns sent before this day are not written back (Prospect2 answers the mapping's
    #: creation date when none was set); None: the service said nothing.
    since: date | None = None

    def describe_match(self) -> str:
        if self.campaign_tag is not None:
            return f"campaign tag {self.campaign_tag!r}"
        return f"campaign name {self.campaign_name_glob!r}"


@dataclass(frozen=True)
class RetiredCode:
    """A mapping's appeal, source group or media type that Tessitura now marks inactive:
    plan refuses it, so a run must not write a new source under it either."""

    what: str  # "appeal", "source group" or "media type"
    description: str
    id: int

    def describe(self) -> str:
        return f"{self.what} {self.description!r} (id {self.id})"


@dataclass(frozen=True)
class WritebackSource:
    """The Tessitura source a campaign is recorded under; ``created`` is False when found."""

    source_id: int
    created: bool


@dataclass(frozen=True)
class PromotionCount:
    """``LP_CALLBOARD_ADD_PROMOTIONS``'s answer for one batch."""

    inserted: int
    skipped: int


@dataclass(frozen=True)
class SourceRequest:
    """What ``LP_CALLBOARD_WRITEBACK_SOURCE`` is called with for one campaign."""

    appeal_id: int
    source_group_id: int
    media_type_id: int
    description: str
    campaign_ref: str


@runtime_checkable
class CampaignSource(Protocol):
    """Prospect2's side: what was sent, to whom, and the user's writeback mappings."""

    async def campaigns(self) -> list[Campaign]:
        """Every campaign of the account, sent or not."""
        ...

    async def mappings(self) -> list[WritebackMapping]:
        """Every writeback mapping of the account."""
        ...

    async def recipient_emails(self, campaign_id: str) -> list[str]:
        """The addresses a sent campaign went to, read in pages."""
        ...


@runtime_checkable
class WritebackSink(Protocol):
    """Tessitura's side: who owns an address, the campaign's source, its promotions."""

    async def owners(self, emails: Sequence[str]) -> dict[str, int | None]:
        """For each address, the lowest numeric constituent id owning it (None: nobody)."""
        ...

    async def retired_codes(self, mapping: WritebackMapping) -> list[RetiredCode]:
        """The mapping's codes Tessitura marks inactive (empty: all three are active)."""
        ...

    async def find_or_create_source(self, request: SourceRequest) -> WritebackSource:
        """The campaign's source, created under the appeal unless it exists (idempotent)."""
        ...

    async def add_promotions(self, source_id: int,
                             constituent_ids: Sequence[int]) -> PromotionCount:
        """One promotion per constituent; existing ones are skipped (idempotent)."""
        ...
