"""Seed 003's address filters: which of a listed constituent's email addresses get the tag.

Pure: export rows in, addresses out. Inactive addresses never qualify; purposes and types
match any of the listed ids; ``primary_only`` keeps the primary address alone. Contact
permissions count only where the Prospect2 account is integrated with Tessitura's Contact
Permissions (``contactPermissionsIntegrated``): there the answer must be ``Y`` (NO and N/A are
excluded) unless the sync ignores them; elsewhere no permission type is integrated, the
export carries no answer, and permissions play no part.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.sync.ports import ExportRow


@dataclass(frozen=True)
class AddressFilter:
    purpose_ids: frozenset[int] = frozenset()
    eaddress_type_ids: frozenset[int] = frozenset()
    primary_only: bool = False
    ignore_contact_permissions: bool = False
    #: The account's ``contactPermissionsIntegrated``: whether answers filter at all.
    permissions_integrated: bool = True

    def passes(self, row: ExportRow) -> bool:
        if row.inactive or not row.address.strip():
            return False
        if self.primary_only and not row.primary:
            return False
        if self.eaddress_type_ids and row.type_id not in self.eaddress_type_ids:
            return False
        if self.purpose_ids and not (row.purpose_ids & self.purpose_ids):
            return False
        if not self.permissions_integrated or self.ignore_contact_permissions:
            return True
        return row.permission == "Y"


def address_key(address: str) -> str:
    """Email addresses compare without case or surrounding blanks (as Prospect2 matches)."""
    return address.strip().lower()


@dataclass
class TaggableAddress:
    """One address to import: the constituents it is tagged for, and the name and contact
    data to send (those of its lowest constituent)."""

    address: str
    constituents: set[int]
    first_name: str = ""
    last_name: str = ""
    values: tuple[str | None, ...] = ()


def taggable_addresses(rows: Iterable[ExportRow], address_filter: AddressFilter
                       ) -> dict[str, TaggableAddress]:
    """Addresses (keyed by ``address_key``) that pass the filter, with their owners.

    A shared household address appears once; the lowest constituent id names it, so the
    result does not depend on the order Tessitura returned the rows in.
    """
    found: dict[str, TaggableAddress] = {}
    for row in sorted(rows, key=lambda r: (r.constituent_id, r.eaddress_id)):
        if not address_filter.passes(row):
            continue
        key = address_key(row.address)
        entry = found.get(key)
        if entry is None:
            found[key] = TaggableAddress(key, {row.constituent_id}, row.first_name,
                                         row.last_name, row.values)
        else:
            entry.constituents.add(row.constituent_id)
    return found
