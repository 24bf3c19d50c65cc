"""From a campaign's recipient addresses to the constituents who get a promotion.

An address belongs to the lowest numeric constituent id owning it, as Prospect2 decides for
CSIs (seed 000). Addresses nobody owns are counted, not errors: a mailing list holds people
Tessitura has never met.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class RecipientConstituents:
    """The sorted, distinct constituents a campaign reached, and what could not be placed."""

    constituent_ids: tuple[int, ...]
    addresses: int
    unowned_addresses: int


def distinct_addresses(emails: Iterable[str]) -> list[str]:
    """Each address once, compared without case; blank ones dropped; first spelling kept."""
    seen: set[str] = set()
    kept: list[str] = []
    for email in emails:
        address = email.strip()
        key = address.casefold()
        if not address or key in seen:
            continue
        seen.add(key)
        kept.append(address)
    return kept


def resolve_constituents(addresses: Iterable[str],
                         owners: Mapping[str, int | None]) -> RecipientConstituents:
    """Map ``distinct_addresses`` through ``owners`` (address -> lowest owner, or None)."""
    ids: set[int] = set()
    unowned = total = 0
    for address in addresses:
        total += 1
        owner = owners.get(address)
        if owner is None:
            unowned += 1
        else:
            ids.add(owner)
    return RecipientConstituents(tuple(sorted(ids)), total, unowned)
