"""Tessitura's side of a writeback run (port ``"writeback.tessitura"``): who owns each
recipient address, the campaign's source, and its promotions, via the procedure pack."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from engine.errors import ProviderError
from engine.kinds import ReferenceRow
from engine.writeback.ports import (
    MAX_PROMOTION_BATCH,
    PromotionCount,
    RetiredCode,
    SourceRequest,
    WritebackMapping,
    WritebackSource,
)
from providers.tessitura.client import TessituraClient
from providers.tessitura.reference import appeals, media_types, source_groups

log = logging.getLogger(__name__)

#: T_SOURCE.source_name (the procedure's ``@description``) holds 30 characters.
SOURCE_DESCRIPTION_LENGTH = 30

#: Address look-ups started at once; the client itself keeps only a few in flight.
LOOKUP_WAVE = 200


class TessituraWritebackSink:
    """Owner look-ups are reads (retried freely); both procedures are idempotent by design."""

    def __init__(self, client: TessituraClient) -> None:
        self.client = client
        #: The three code tables by id, read once (three GETs) by the first ``retired_codes``.
        self._codes: dict[str, dict[int, ReferenceRow]] | None = None

    async def retired_codes(self, mapping: WritebackMapping) -> list[RetiredCode]:
        """The mapping's appeal, source group and media type rows marked ``Inactive``."""
        if self._codes is None:
            self._codes = {what: {int(row.id): row for row in await read(self.client)}
                           for what, read in (("appeal", appeals), ("source group", source_groups),
                                              ("media type", media_types))}
        wanted = {"appeal": mapping.appeal_id, "source group": mapping.source_group_id,
                  "media type": mapping.media_type_id}
        rows = [(what, self._codes[what].get(row_id)) for what, row_id in wanted.items()]
        return [RetiredCode(what, row.description, int(row.id))
                for what, row in rows if row is not None and row.inactive]

    async def owners(self, emails: Sequence[str]) -> dict[str, int | None]:
        found: dict[str, int | None] = {}
        for start in range(0, len(emails), LOOKUP_WAVE):
            wave = emails[start:start + LOOKUP_WAVE]
            owners = await asyncio.gather(*(self._lowest_owner(e) for e in wave))
            found.update(zip(wave, owners, strict=True))
        return found

    async def _lowest_owner(self, email: str) -> int | None:
        """The lowest numeric constituent id owning ``email``, as Prospect2 picks for CSIs."""
        rows = await self.client.get("/CRM/ElectronicAddresses", {"address": email})
        wanted = email.casefold()
        owners = [_constituent_id(row) for row in rows or []
                  if isinstance(row, dict) and str(row.get("Address", "")).casefold() == wanted]
        ids = [i for i in owners if i is not None]
        return min(ids) if ids else None

    async def find_or_create_source(self, request: SourceRequest) -> WritebackSource:
        rows = await self.client.execute(
            "LP_CALLBOARD_WRITEBACK_SOURCE", idempotent=True,
            appeal_id=request.appeal_id, source_group_id=request.source_group_id,
            media_type_id=request.media_type_id,
            description=request.description[:SOURCE_DESCRIPTION_LENGTH],
            campaign_ref=request.campaign_ref)
        row = _one_row(rows, "LP_CALLBOARD_WRITEBACK_SOURCE")
        try:
            source = WritebackSource(int(row["SourceId"]), _flag(row.get("Created")))
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderError(f"LP_CALLBOARD_WRITEBACK_SOURCE answered {row!r:.200}") from exc
        log.info("tessitura: %s source %s for %s", "created" if source.created else "found",
                 source.source_id, request.campaign_ref)
        return source

    async def add_promotions(self, source_id: int,
                             constituent_ids: Sequence[int]) -> PromotionCount:
        if len(constituent_ids) > MAX_PROMOTION_BATCH:
            raise ProviderError(f"at most {MAX_PROMOTION_BATCH} constituents per "
                                f"LP_CALLBOARD_ADD_PROMOTIONS call, not {len(constituent_ids)}")
        rows = await self.client.execute(
            "LP_CALLBOARD_ADD_PROMOTIONS", idempotent=True, source_id=source_id,
            constituent_ids=list(constituent_ids))
        row = _one_row(rows, "LP_CALLBOARD_ADD_PROMOTIONS")
        try:
            return PromotionCount(int(row["Inserted"]), int(row["Skipped"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderError(f"LP_CALLBOARD_ADD_PROMOTIONS answered {row!r:.200}") from exc


def _constituent_id(row: dict[str, Any]) -> int | None:
    constituent = row.get("Constituent")
    value = constituent.get("Id") if isinstance(constituent, dict) else None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _one_row(rows: list[dict[str, Any]], procedure: str) -> dict[str, Any]:
    if not rows:
        raise ProviderError(f"{procedure} returned no row; is the Callboard procedure pack "
                            "installed (providers/tessitura/sql/INSTALL.md)?")
    return rows[0]


def _flag(value: Any) -> bool:
    """A SQL bit as JSON: true/false, 1/0 or "1"/"0"."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "y", "yes")
    return bool(value)
