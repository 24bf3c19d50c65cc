"""Tessitura's side of a Data Sync run (port ``sync.list_source``): the list, its members'
email addresses and the audited changes, read in as few requests as the service allows.

Members come from one unpaged ``Contents`` read (a million rows decode in well under a
second); addresses from ``LP_CALLBOARD_SYNC_EXPORT`` at 1,000 constituents a call, sent
together so the client's in-flight bound, not this code, decides the pace.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pyroaring import BitMap

from engine.errors import ProviderError
from engine.sync.contact_data import value_text
from engine.sync.ports import (
    MAX_EXPORT_BATCH,
    RESULTS_PAGE,
    AuditChange,
    ExportRow,
    ResultsPage,
)
from providers.tessitura.client import TessituraClient, parse_tessitura_datetime

log = logging.getLogger(__name__)

EXPORT_PROCEDURE = "LP_CALLBOARD_SYNC_EXPORT"
PURPOSES_PROCEDURE = "LP_CALLBOARD_SET_PURPOSES"
AUDIT_PROCEDURE = "LP_CALLBOARD_AUDIT_CHANGES"
#: T_DEFAULTS row that switches seed 003's re-sync of changed constituents on ("YES").
TRACK_CHANGES_DEFAULT = "P2DSTrackChanges"


class TessituraListSource:
    """Reads only, through the provider's shared client (one in-flight bound per run).

    ``calls`` counts the requests the client sent since this source was made, retries
    included, which is what the run log and the cost benchmarks need.
    """

    def __init__(self, client: TessituraClient) -> None:
        self.client = client
        self._calls_before = client.requests_made

    @property
    def calls(self) -> int:
        return self.client.requests_made - self._calls_before

    async def regenerate(self, list_id: int) -> None:
        # Generating twice is harmless (the criteria simply run again), so a lost answer
        # may be retried.
        await self.client.post(f"/Reporting/Lists/{list_id}/Generate", None, idempotent=True)
        log.info("tessitura: list %s regenerated", list_id)

    async def members(self, list_id: int) -> BitMap:
        rows = await self.client.get(f"/Reporting/Lists/{list_id}/Contents")
        if not isinstance(rows, list):
            raise ProviderError(f"Tessitura answered list {list_id}'s contents with "
                                f"{type(rows).__name__}, not an array of ListContent rows")
        try:
            members = BitMap(row["ConstituentId"] for row in rows)
        except (KeyError, TypeError, OverflowError) as exc:
            raise ProviderError(f"Tessitura list {list_id}'s contents hold a row without a "
                                f"usable ConstituentId ({exc!r})") from exc
        log.info("tessitura: list %s has %s members", list_id, len(members))
        return members

    async def export(self, constituent_ids: Sequence[int], output_set_id: int | None = None,
                     columns: Sequence[str] = ()) -> list[ExportRow]:
        """``@output_set_id`` brings the set's columns beside each address (pack 1.1.0), so a
        delta's contact data costs no call beyond the export's one per 1,000."""
        ids = sorted(set(constituent_ids))
        chunks = [ids[i:i + MAX_EXPORT_BATCH] for i in range(0, len(ids), MAX_EXPORT_BATCH)]
        extra = {"output_set_id": output_set_id} if output_set_id is not None else {}
        answers = await asyncio.gather(*(
            self.client.execute(EXPORT_PROCEDURE, idempotent=True, constituent_ids=chunk,
                                **extra)
            for chunk in chunks))
        return [export_row_from_wire(row, columns) for rows in answers for row in rows]

    async def output_set_of(self, list_id: int) -> int | None:
        found = await self.client.get(f"/Reporting/Lists/{list_id}")
        output_set = found.get("OutputSet") if isinstance(found, dict) else None
        if isinstance(output_set, dict) and output_set.get("Id"):
            return int(output_set["Id"])
        return None

    async def results(self, list_id: int, output_set_id: int, columns: Sequence[str]
                      ) -> AsyncIterator[ResultsPage]:
        """``POST Lists/{id}/Results`` a page at a time, the list as last generated
        (``DisableListGenerate``: a run regenerates it once, itself); ``X-Total-Count``
        says when to stop, so a list of N members costs ceil(N / 1,000) calls."""
        page = 1
        while True:
            rows, total = await self.client.post_page(
                f"/Reporting/Lists/{list_id}/Results",
                {"OutputSetId": output_set_id, "Page": page, "PageSize": RESULTS_PAGE,
                 "DisableListGenerate": True})
            if not isinstance(rows, list):
                raise ProviderError(f"Tessitura answered list {list_id}'s results with "
                                    f"{type(rows).__name__}, not an array of rows")
            yield [results_row_from_wire(row, columns) for row in rows]
            seen = page * RESULTS_PAGE
            if not rows or (total is not None and seen >= total) or (
                    total is None and len(rows) < RESULTS_PAGE):
                return
            page += 1

    async def track_changes(self) -> bool:
        rows = await self.client.get("/ReferenceData/SystemDefaults/Defaults",
                                     {"keys": TRACK_CHANGES_DEFAULT})
        for row in rows or []:
            if (isinstance(row, dict)
                    and str(row.get("FieldName", "")).lower() == TRACK_CHANGES_DEFAULT.lower()):
                return str(row.get("Value") or "").strip().upper() == "YES"
        return False  # seed 003: disabled unless the default says YES

    async def audit_changes(self, since: datetime, until: datetime) -> list[AuditChange]:
        rows = await self.client.execute(AUDIT_PROCEDURE, idempotent=True, since=since,
                                         until=until)
        return [audit_change_from_wire(row) for row in rows]

    async def set_purposes(self, purpose_id: int, action: str, addresses: Sequence[str]
                           ) -> dict[str, str]:
        """One ``LP_CALLBOARD_SET_PURPOSES`` call (pack 1.1.0); idempotent, so a lost answer
        is asked again. Rows come back in no fixed order: they are matched by address, and an
        address with several owners reports what happened for any of them."""
        rows = await self.client.execute(PURPOSES_PROCEDURE, idempotent=True,
                                         purpose_id=purpose_id, action=action,
                                         addresses=list(addresses))
        results: dict[str, str] = {}
        for row in rows:
            address = str(row.get("Address") or "").strip().lower()
            result = str(row.get("Result") or "")
            if results.get(address) in (None, "unchanged", "not_found"):
                results[address] = result
        log.info("tessitura: purpose %s %s on %s addresses", purpose_id, action, len(addresses))
        return results

    async def now(self) -> datetime:
        """``Diagnostics/Status``'s ``TimeStamp``: the server's clock, not ours, so an audit
        window ends exactly where the server's audit rows stop."""
        status = await self.client.get("/Diagnostics/Status")
        stamp = status.get("TimeStamp") if isinstance(status, dict) else None
        if not stamp:
            raise ProviderError("Tessitura's Diagnostics/Status answered without a TimeStamp")
        moment = parse_tessitura_datetime(str(stamp))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=_zone(status.get("TimeZone")))
        return moment


def results_row_from_wire(row: Any, columns: Sequence[str]
                          ) -> tuple[int, tuple[str | None, ...]]:
    try:
        return int(row["ConstituentId"]), tuple(value_text(row.get(c)) for c in columns)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProviderError(f"Tessitura returned a list results row Callboard cannot read "
                            f"({exc!r}): {row!r:.200}") from exc


def export_row_from_wire(row: Mapping[str, Any], columns: Sequence[str] = ()) -> ExportRow:
    """One ``LP_CALLBOARD_SYNC_EXPORT`` row; absent columns were NULL (Tessitura omits them)."""
    try:
        return ExportRow(
            constituent_id=int(row["ConstituentId"]),
            eaddress_id=int(row["EaddressId"]),
            address=str(row.get("Address") or ""),
            type_id=int(row["EaddressTypeId"]),
            primary=_flag(row.get("PrimaryIndicator")),
            inactive=_flag(row.get("Inactive")),
            purpose_ids=frozenset(int(part) for part in str(row.get("PurposeIds") or "")
                                  .split(",") if part.strip()),
            permission=_permission(row.get("PermissionAnswer")),
            first_name=str(row.get("FirstName") or ""),
            last_name=str(row.get("LastName") or ""),
            values=tuple(value_text(row.get(c)) for c in columns),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProviderError(f"{EXPORT_PROCEDURE} returned a row Callboard cannot read "
                            f"({exc!r}): {dict(row)!r:.200}") from exc


def audit_change_from_wire(row: Mapping[str, Any]) -> AuditChange:
    try:
        changed = parse_tessitura_datetime(str(row["ChangedDateTime"]))
        return AuditChange(constituent_id=int(row["ConstituentId"]),
                           table=str(row.get("AuditTable") or ""),
                           column=str(row.get("ColumnName") or ""),
                           changed_at=changed if changed.tzinfo else changed.replace(tzinfo=UTC))
    except (KeyError, TypeError, ValueError) as exc:
        raise ProviderError(f"{AUDIT_PROCEDURE} returned a row Callboard cannot read "
                            f"({exc!r}): {dict(row)!r:.200}") from exc


def _flag(value: Any) -> bool:
    """Tessitura booleans arrive as JSON booleans, 0/1 or ``Y``/``N``."""
    if isinstance(value, str):
        return value.strip().upper() in ("Y", "YES", "TRUE", "1")
    return bool(value)


def _permission(value: Any) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    answer = str(value).strip().upper()
    return {"YES": "Y", "NO": "N"}.get(answer, answer)


def _zone(name: Any) -> tzinfo:
    """The ``TimeZone`` Diagnostics/Status names; UTC when absent or unknown."""
    if not name or str(name).upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("tessitura: unknown TimeZone %r in Diagnostics/Status; assuming UTC", name)
        return UTC
