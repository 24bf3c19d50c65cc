"""Prospect2 contacts, most of them implied by the seed rather than stored.

The ``large`` seed has 500,000 contacts; storing each as a dict would take seconds to build and
hundreds of megabytes to keep and save. Seeded contacts are therefore computed from their id
(the constituent id rule shared with the Tessitura emulator) and only contacts that were
created, changed or deleted through the API are stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

#: Seeded constituent ids start here; constituent N has primary email patron{N}@example.org.
FIRST_CONSTITUENT_ID = 1000
#: Every 50th constituent has a second, non-primary email (Tessitura side only).
SECOND_EMAIL_EVERY = 50
#: Every 97th constituent shares its email with constituent N-1 (a household).
HOUSEHOLD_EVERY = 97

#: Same names, same rule as the Tessitura emulator's constituents, so a contact reads like
#: the constituent it came from.
FIRST_NAMES = ("Ada", "Bram", "Cleo", "Dev", "Esme", "Femi", "Greta", "Hugo", "Ines", "Jonah",
               "Kiri", "Luca", "Maya", "Nils", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tess")
LAST_NAMES = ("Abbott", "Baptiste", "Chen", "Dlamini", "Eriksen", "Fontaine", "Garcia",
              "Haddad", "Ivanova", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura",
              "Okafor", "Patel", "Quintero", "Rossi", "Schmidt", "Tanaka", "Usman", "Varga",
              "Whitfield", "Yilmaz")

_PATRON_EMAIL = re.compile(r"^patron(\d+)@example\.org$")


def constituent_email(constituent_id: int) -> str:
    """The constituent's primary email, following the shared seed rule (households share)."""
    owner = constituent_id - 1 if constituent_id % HOUSEHOLD_EVERY == 0 else constituent_id
    return f"patron{owner}@example.org"


def constituent_names(constituent_id: int) -> tuple[str, str]:
    first = FIRST_NAMES[constituent_id % len(FIRST_NAMES)]
    last = LAST_NAMES[(constituent_id // 7) % len(LAST_NAMES)]
    return first, last


def constituent_of_seeded_contact(contact_id: int) -> int:
    """Seeded contacts are the constituents with even ids, in order: contact 1 is 1000."""
    return FIRST_CONSTITUENT_ID + 2 * (contact_id - 1)


def seeded_contact(contact_id: int, cdate: str) -> dict[str, Any]:
    constituent = constituent_of_seeded_contact(contact_id)
    first, last = constituent_names(constituent)
    return {"id": contact_id, "email": constituent_email(constituent), "firstName": first,
            "lastName": last, "phone": "", "cdate": cdate, "udate": cdate}


class ContactBook:
    """Contacts by id and by email; ids 1..``generated`` are implied unless stored or deleted."""

    def __init__(self, generated: int, cdate: str, rows: dict[int, dict[str, Any]] | None = None,
                 deleted: set[int] | None = None, last_id: int = 0) -> None:
        self.generated = generated
        self.cdate = cdate
        self.rows: dict[int, dict[str, Any]] = rows or {}
        self.deleted: set[int] = deleted or set()
        #: The highest id ever handed out: ids are never reused, even after a delete.
        self.last_id = max([last_id, generated, *self.rows, *self.deleted])
        self._by_email = {row["email"].casefold(): cid for cid, row in self.rows.items()}

    # -- reading ---------------------------------------------------------------------------
    def get(self, contact_id: int) -> dict[str, Any] | None:
        if contact_id in self.rows:
            return self.rows[contact_id]
        if 1 <= contact_id <= self.generated and contact_id not in self.deleted:
            return seeded_contact(contact_id, self.cdate)
        return None

    def by_email(self, email: str) -> dict[str, Any] | None:
        key = email.strip().casefold()
        if key in self._by_email:
            return self.rows[self._by_email[key]]
        for contact_id in self._seeded_candidates(key):
            if contact_id in self.rows or contact_id in self.deleted:
                continue
            row = seeded_contact(contact_id, self.cdate)
            if row["email"] == key:
                return row
        return None

    def _seeded_candidates(self, email: str) -> list[int]:
        match = _PATRON_EMAIL.match(email)
        if not match:
            return []
        owner = int(match.group(1))
        found = []
        for constituent in (owner, owner + 1):
            offset = constituent - FIRST_CONSTITUENT_ID
            if offset >= 0 and offset % 2 == 0:
                contact_id = offset // 2 + 1
                if contact_id <= self.generated:
                    found.append(contact_id)
        return found

    def __len__(self) -> int:
        extra = sum(1 for cid in self.rows if cid > self.generated)
        return self.generated - len(self.deleted) + extra

    def iter_ids(self, after: int = 0) -> Iterator[int]:
        """Live contact ids in ascending order, greater than ``after``."""
        for contact_id in range(max(after + 1, 1), self.generated + 1):
            if contact_id not in self.deleted:
                yield contact_id
        yield from sorted(cid for cid in self.rows if cid > max(after, self.generated))

    def next_id(self) -> int:
        """A fresh id, higher than every id this account ever had (as ActiveCampaign's)."""
        self.last_id += 1
        return self.last_id

    # -- writing ---------------------------------------------------------------------------
    def put(self, row: dict[str, Any]) -> dict[str, Any]:
        """Store a new or changed contact (its ``id`` set), keeping the email index right."""
        contact_id = row["id"]
        old = self.rows.get(contact_id)
        if old is not None:
            self._by_email.pop(old["email"].casefold(), None)
        self.rows[contact_id] = row
        self._by_email[row["email"].casefold()] = contact_id
        return row

    def delete(self, contact_id: int) -> None:
        row = self.rows.pop(contact_id, None)
        if row is not None:
            self._by_email.pop(row["email"].casefold(), None)
        if contact_id <= self.generated:
            self.deleted.add(contact_id)

    # -- persistence -----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"generated": self.generated, "cdate": self.cdate,
                "rows": [self.rows[cid] for cid in sorted(self.rows)],
                "deleted": sorted(self.deleted), "last_id": self.last_id}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ContactBook:
        rows = {int(row["id"]): row for row in data["rows"]}
        return cls(data["generated"], data["cdate"], rows, set(data["deleted"]),
                   data.get("last_id", 0))
