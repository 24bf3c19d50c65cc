"""Prospect2's side of a Data Sync run (port ``sync.tag_target``): tag by bulk import, untag
by contactTag association, in as few requests as ActiveCampaign's API allows.

Costs, per the cost model in prospect2-api.md: a batch of up to 250 tagged contacts is one
``POST /import/bulk_import`` plus one ``GET /import/info`` (more only while the batch is still
processing): ActiveCampaign's import answer only says "queued", and ``import/info`` is the
one place that says which contacts were imported and which failed. A tag's members and their
association ids are one request per 100 contacts (``GET /contacts?tagid=&include=contactTags``,
sideloading); a removal is one ``DELETE /contactTags/{id}``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from engine.errors import ProviderError
from engine.sync.ports import (
    MAX_IMPORT_BATCH,
    AccountFacts,
    CustomFieldFacts,
    ImportContact,
    ImportOutcome,
    SyncActivity,
    SyncTag,
    TagAssociation,
)
from providers.http.rate_limit import SlidingWindowLimiter
from providers.prospect2.account import account_facts
from providers.prospect2.client import PAGE_SIZE, PUBLISHED_RATE, Prospect2Client
from providers.prospect2.custom_field_facts import custom_field_facts

log = logging.getLogger(__name__)

IMPORT_PATH = "/import/bulk_import"
IMPORTS_PER_MINUTE = 100
NO_REASON = "Prospect2 did not import this contact (import/info gave no reason)"


class ImportWindow(SlidingWindowLimiter):
    """At most ``limit`` imports in any ``seconds`` window, shared by one account's targets:
    100 imports a minute is a second limit, beside the 5 requests a second. The account
    limiter's sliding window, with the whole minute as one burst (its rate form would allow
    one import every 0.6 s instead)."""

    def __init__(self, limit: int = IMPORTS_PER_MINUTE, seconds: float = 60.0,
                 **timing: Any) -> None:
        super().__init__(limit / seconds, **timing)
        self.burst = limit
        self.window = seconds


_ACCOUNT_WINDOWS: weakref.WeakKeyDictionary[Prospect2Client, ImportWindow] = (
    weakref.WeakKeyDictionary())


def shared_import_window(client: Prospect2Client) -> ImportWindow:
    """One window per client, so every target made from the shared client counts together."""
    if client not in _ACCOUNT_WINDOWS:
        _ACCOUNT_WINDOWS[client] = ImportWindow()
    return _ACCOUNT_WINDOWS[client]


class Prospect2TagTarget:
    """Tags and untags contacts through the provider's shared, rate-limited client.

    ``calls`` and ``rate_limited`` count the client's requests and 429s (including
    "Rate limit exceeded." answers) since this target was made.
    """

    def __init__(self, client: Prospect2Client, *, import_window: ImportWindow | None = None,
                 confirm_timeout_seconds: float = 900.0) -> None:
        self.client = client
        self.import_window = import_window or shared_import_window(client)
        self.confirm_timeout_seconds = confirm_timeout_seconds
        self._calls_before = client.requests_made
        self._limited_before = client.rate_limited
        self._tags: dict[str, SyncTag | None] = {}

    @property
    def calls(self) -> int:
        return self.client.requests_made - self._calls_before

    @property
    def rate_limited(self) -> int:
        return self.client.rate_limited - self._limited_before

    @property
    def rate_per_second(self) -> float:
        """The account's published budget: what a long run's ETA assumes."""
        return PUBLISHED_RATE

    async def account(self) -> AccountFacts:
        return await account_facts(self.client)

    async def custom_fields(self, perstags: Sequence[str]) -> dict[str, CustomFieldFacts]:
        return await custom_field_facts(self.client, perstags)

    async def tag(self, tag: str) -> SyncTag | None:
        key = tag.strip().casefold()
        if key not in self._tags:
            rows = await self.client.paged("/tags", "tags", {"search": tag.strip()})
            found = next((r for r in rows if str(r.get("tag", "")).casefold() == key), None)
            purpose = found.get("tessituraPurposeId") if found else None
            self._tags[key] = None if found is None else SyncTag(
                str(found["id"]), int(purpose) if purpose not in (None, "") else None)
        return self._tags[key]

    async def tag_name(self, tag_id: str) -> str | None:
        status, answer = await self.client.exchange("GET", f"/tags/{tag_id}",
                                                    replay_safe=True, accept=(404,))
        tag = (answer or {}).get("tag") if status != 404 else None
        return str(tag["tag"]) if isinstance(tag, dict) and tag.get("tag") else None

    # -- adding ----------------------------------------------------------------------------
    async def import_tagged(self, contacts: Sequence[ImportContact], tag: str, *,
                            trigger_automations: bool, trigger_webhooks: bool
                            ) -> ImportOutcome:
        if len(contacts) > MAX_IMPORT_BATCH:
            raise ValueError(f"at most {MAX_IMPORT_BATCH} contacts per import, "
                             f"not {len(contacts)}")
        if trigger_webhooks:
            # The bulk import has no wire field for it: what the webhooks would do (the tag's
            # Contact Point Purpose in Tessitura) the run does itself, through the list
            # source's LP_CALLBOARD_SET_PURPOSES batches (engine/sync/purposes.py).
            log.debug("prospect2: trigger_webhooks is carried out in Tessitura by the run")
        pending = _unique_by_email(contacts)
        rejected: dict[str, str] = {}
        batch_id = ""
        while pending:
            # Safe to repeat (an import upserts, and a tag already there stays once); the 400
            # names the contacts validation refused; "Rate limit exceeded." (any status) is
            # the 100-a-minute limit, so it pauses imports, not the account's other calls.
            status, data = await self.client.exchange("POST", IMPORT_PATH, body={
                "contacts": [_import_wire(contact, tag) for contact in pending],
                "exclude_automations": not trigger_automations,
            }, replay_safe=True, accept=(400,), limit=self.import_window)
            if status == 400:
                refused = _failure_indexes(data, len(pending))
                if not refused:
                    raise ProviderError(f"Prospect2 POST {IMPORT_PATH} failed with 400: "
                                        f"{_message(data)}", status=status)
                for index, reason in refused.items():
                    rejected[pending[index].email] = reason
                log.info("prospect2: import refused %s contacts; resending %s", len(refused),
                         len(pending) - len(refused))
                pending = [c for i, c in enumerate(pending) if i not in refused]
                continue
            batch_id = str(data.get("batchId") or "") if isinstance(data, dict) else ""
            if not batch_id:
                raise ProviderError(f"Prospect2 queued an import without a batchId: "
                                    f"{data!r:.200}")
            break
        outcome = ImportOutcome(batch_id=batch_id, rejected=rejected)
        if pending:
            info = await self._confirmed(batch_id)
            _read_info(info, pending, outcome)
        log.info("prospect2: import %s tagged %s, rejected %s", batch_id or "-",
                 len(outcome.accepted), len(outcome.rejected))
        return outcome

    async def _confirmed(self, batch_id: str) -> dict[str, Any]:
        """``import/info`` until the batch has completed (at once, in the emulator)."""
        started = time.monotonic()
        polls = 0
        while True:
            info = await self.client.get("/import/info", {"batchId": batch_id})
            status = str(info.get("status") or "").lower()
            if status == "completed":
                return info
            if time.monotonic() - started > self.confirm_timeout_seconds:
                raise ProviderError(f"Prospect2 import {batch_id} was still {status or 'queued'}"
                                    f" after {self.confirm_timeout_seconds:.0f} s")
            polls += 1
            await asyncio.sleep(min(10.0, 0.5 * 2 ** min(polls, 5)))

    # -- reading associations --------------------------------------------------------------
    async def associations(self, tag: str) -> list[TagAssociation]:
        tag_id = await self._tag_id(tag)
        if tag_id is None:
            return []
        params = {"tagid": tag_id, "include": "contactTags", "limit": PAGE_SIZE}
        first = await self.client.get("/contacts", {**params, "offset": 0})
        pages = [first]
        total = _total(first)
        held = len(first.get("contacts") or [])
        if total is not None and held and total > held:
            pages += await asyncio.gather(*(
                self.client.get("/contacts", {**params, "offset": offset})
                for offset in range(held, total, held)))
        found: dict[str, TagAssociation] = {}
        for page in pages:
            for association in _associations_in(page, tag_id):
                found[association.association_id] = association
        log.info("prospect2: tag %r is on %s contacts", tag, len(found))
        return list(found.values())

    async def find_association(self, email: str, tag: str) -> TagAssociation | None:
        tag_id = await self._tag_id(tag)
        if tag_id is None:
            return None
        page = await self.client.get("/contacts", {"email": email, "include": "contactTags"})
        wanted = email.strip().casefold()
        return next((a for a in _associations_in(page, tag_id)
                     if a.email.casefold() == wanted), None)

    async def _tag_id(self, tag: str) -> str | None:
        found = await self.tag(tag)
        return found.tag_id if found else None

    # -- removing --------------------------------------------------------------------------
    async def remove(self, association_id: str) -> bool:
        # a repeated delete answers 404, so it is safe to resend after a lost answer
        status, _ = await self.client.exchange("DELETE", f"/contactTags/{association_id}",
                                               replay_safe=True, accept=(404,))
        if status == 404:
            log.info("prospect2: contactTag %s was already gone", association_id)
            return False
        return True

    # -- Prospect2's own runs --------------------------------------------------------------
    async def activity(self, sync_id: str, since: str) -> list[SyncActivity]:
        """Newest first, page by page, until a run older than ``since``; a sync deleted
        meanwhile has no activity."""
        found: list[SyncActivity] = []
        offset = 0
        while True:
            status, page = await self.client.exchange(
                "GET", f"/tessitura/dataSyncs/{sync_id}/activity",
                params={"limit": PAGE_SIZE, "offset": offset}, replay_safe=True, accept=(404,))
            rows = page.get("activities") or [] if status != 404 and isinstance(page, dict) else []
            for row in rows:
                entry = _activity(row)
                if _instant(entry.run_at) < _instant(since):
                    return sorted(found, key=lambda a: _instant(a.run_at))
                found.append(entry)
            offset += len(rows)
            if not rows or offset >= (_total(page) or 0):
                return sorted(found, key=lambda a: _instant(a.run_at))


def _activity(row: Mapping[str, Any]) -> SyncActivity:
    errors = tuple((None if e.get("email") is None else str(e["email"]),
                    str(e.get("reason") or "no reason given"))
                   for e in row.get("errors") or [] if isinstance(e, Mapping))
    return SyncActivity(activity_id=str(row.get("id") or ""), run_at=str(row.get("runAt") or ""),
                        added=int(row.get("added") or 0), removed=int(row.get("removed") or 0),
                        resynced=int(row.get("resynced") or 0), errors=errors)


def _instant(stamp: str) -> datetime:
    """An ISO time, naive ones as UTC, so Prospect2's and Callboard's times compare."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _unique_by_email(contacts: Sequence[ImportContact]) -> list[ImportContact]:
    """One entry per address (case-insensitive): import/info reports by address."""
    seen: set[str] = set()
    unique: list[ImportContact] = []
    for contact in contacts:
        key = contact.email.strip().casefold()
        if key not in seen:
            seen.add(key)
            unique.append(contact)
    return unique


def _import_wire(contact: ImportContact, tag: str) -> dict[str, Any]:
    """Empty names are left out so an import never blanks a name Prospect2 already has."""
    wire: dict[str, Any] = {"email": contact.email, "tags": [tag]}
    if contact.first_name:
        wire["first_name"] = contact.first_name
    if contact.last_name:
        wire["last_name"] = contact.last_name
    if contact.fields:  # the sync's contact data ("" clears a value the member lost)
        wire["fields"] = [{"id": field_id, "value": value} for field_id, value in contact.fields]
    return wire


def _read_info(info: Mapping[str, Any], sent: list[ImportContact],
               outcome: ImportOutcome) -> None:
    """``success`` lists contact ids in the order the contacts were sent (failed ones left
    out), ``failure`` the emails; ``failureReasons`` is read when the service gives it."""
    reasons = {str(item.get("email", "")).casefold(): str(item.get("failureReason") or NO_REASON)
               for item in info.get("failureReasons") or [] if isinstance(item, Mapping)}
    failed = {str(email).strip().casefold() for email in info.get("failure") or []}
    for contact in sent:
        key = contact.email.strip().casefold()
        if key in failed:
            outcome.rejected[contact.email] = reasons.get(key, NO_REASON)
    imported = [c for c in sent if c.email.strip().casefold() not in failed]
    ids = [str(i) for i in info.get("success") or []]
    if len(ids) != len(imported):
        log.warning("prospect2: import %s reported %s successes for %s contacts; contact ids "
                    "left unknown", outcome.batch_id, len(ids), len(imported))
        ids = [""] * len(imported)
    for contact, contact_id in zip(imported, ids, strict=True):
        outcome.accepted[contact.email] = contact_id


def _failure_indexes(data: Any, sent: int) -> dict[int, str]:
    """A validation refusal's ``failureReasons`` as {contact index: reason}."""
    if not isinstance(data, dict):
        return {}
    found: dict[int, str] = {}
    for item in data.get("failureReasons") or []:
        if isinstance(item, Mapping) and str(item.get("contact", "")).isdigit():
            index = int(item["contact"])
            if index < sent:
                found[index] = str(item.get("failureReason") or "refused by validation")
    return found


def _associations_in(page: Mapping[str, Any], tag_id: str) -> list[TagAssociation]:
    emails = {str(c.get("id")): str(c.get("email") or "") for c in page.get("contacts") or []}
    return [TagAssociation(email=emails[str(row["contact"])], contact_id=str(row["contact"]),
                           association_id=str(row["id"]))
            for row in page.get("contactTags") or []
            if str(row.get("tag")) == tag_id and str(row.get("contact")) in emails]


def _total(answer: Mapping[str, Any]) -> int | None:
    meta = answer.get("meta")
    try:
        return int(meta["total"]) if isinstance(meta, dict) else None
    except (KeyError, TypeError, ValueError):
        return None


def _message(data: Any) -> str:
    if isinstance(data, dict):
        if data.get("message"):
            return str(data["message"])
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("detail") or errors[0].get("title"))
    return f"{data!r:.200}" if data is not None else "no explanation given"
