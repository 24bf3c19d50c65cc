"""Prospect2's side of a writeback run (port ``"writeback.campaigns"``): campaigns, their
recipients and the account's writeback mappings, turned into the engine's plain data."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from engine.errors import ProviderError
from engine.writeback.ports import Campaign, WritebackMapping
from providers.prospect2.client import Prospect2Client

log = logging.getLogger(__name__)

#: ActiveCampaign's campaign status for "completed" (sent).
SENT_STATUS = "5"


class Prospect2CampaignSource:
    """Reads only; every list is read in pages of 100 through the shared, rate-limited client."""

    def __init__(self, client: Prospect2Client) -> None:
        self.client = client

    async def campaigns(self) -> list[Campaign]:
        rows = await self.client.paged("/campaigns", "campaigns")
        return [campaign_from_wire(row) for row in rows]

    async def mappings(self) -> list[WritebackMapping]:
        rows = await self.client.paged("/tessitura/writebackMappings", "writebackMappings")
        return [mapping_from_wire(row) for row in rows]

    async def recipient_emails(self, campaign_id: str) -> list[str]:
        rows = await self.client.paged(f"/campaigns/{campaign_id}/recipients", "recipients")
        emails = [str(row["email"]) for row in rows if row.get("email")]
        log.info("prospect2: campaign %s: %s recipients", campaign_id, len(emails))
        return emails


def campaign_from_wire(row: Mapping[str, Any]) -> Campaign:
    """A campaign as ActiveCampaign sends it; ``tags`` is read when present (names or
    ``{"tag": NAME}`` objects), which the v3 campaign API does not do today."""
    raw_tags = row.get("tags") or []
    tags = tuple(str(t.get("tag") if isinstance(t, Mapping) else t)
                 for t in raw_tags if t) if isinstance(raw_tags, list) else ()
    status = str(row.get("status") if row.get("status") is not None else "")
    return Campaign(id=str(row["id"]), name=str(row.get("name") or ""),
                    sent=status == SENT_STATUS, status=status, tags=tags,
                    sent_on=_day(row.get("sdate")))


def mapping_from_wire(row: Mapping[str, Any]) -> WritebackMapping:
    match = row.get("match") if isinstance(row.get("match"), Mapping) else {}
    name = str(row.get("name") or row.get("id"))
    try:
        return WritebackMapping(
            id=str(row["id"]), name=name, appeal_id=int(row["appealId"]),
            source_group_id=int(row["sourceGroupId"]),
            media_type_id=int(row.get("mediaTypeId") or 7),
            campaign_name_glob=_text(match.get("campaignName")),
            campaign_tag=_text(match.get("campaignTag")), since=_day(row.get("since")))
    except (KeyError, TypeError, ValueError) as exc:
        raise ProviderError(f"Prospect2 writeback mapping {row.get('id')} ({name}) is "
                            f"incomplete: {exc!r}") from exc


def _day(value: Any) -> date | None:
    """The day of an ActiveCampaign date-time (``2026-08-12T09:00:00-05:00``, in its own
    offset) or date; None when absent or unreadable."""
    if not value:
        return None
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            log.warning("prospect2: cannot read the date %r", text)
            return None


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
