"""The emulated constituents: derived from their id by arithmetic, plus stored overrides.

A million constituents cannot be a million dicts if the large seed is to build in seconds and
persist in kilobytes. Everything about constituent N (name, email addresses, purposes,
permission answers, membership, giving) is a pure function of N; only what churn changed is
stored, and only that is serialized.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, replace
from typing import Any

FIRST_CONSTITUENT_ID = 1000

FIRST_NAMES = (
    "Ada", "Bram", "Cleo", "Dev", "Esme", "Femi", "Greta", "Hugo", "Ines", "Jonah",
    "Kiri", "Luca", "Maya", "Nils", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tess",
)  # fmt: skip
LAST_NAMES = (
    "Abbott", "Baptiste", "Chen", "Dlamini", "Eriksen", "Fontaine", "Garcia", "Haddad",
    "Ivanova", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Patel",
    "Quintero", "Rossi", "Schmidt", "Tanaka", "Usman", "Varga", "Whitfield", "Yilmaz",
)  # fmt: skip
MEMBERSHIP_LEVELS = ("Friend", "Supporter", "Patron", "Benefactor")

# Reference ids the derived data points at (seeded in reference_seed.py).
PRIMARY_EMAIL_TYPE = 1
WORK_EMAIL_TYPE = 2
WEBSITE_TYPE = 3
NEWSLETTER_PURPOSE = 1
SEASON_PURPOSE = 2
MAIL_APPEALS_PURPOSE = 3
EMAIL_MARKETING_PERMISSION = 2
PHONE_PERMISSION = 3

#: Eaddress ids are ``constituent * 10 + slot``; slots 4.. hold addresses churn added.
_EXTRA_ADDRESS_SLOTS = range(4, 10)


def mix(constituent_id: int, salt: int) -> int:
    """A cheap, well-spread number 0..99 per (constituent, salt): the seeds' dice."""
    return ((((constituent_id + salt * 0x9E3779B1) * 2654435761) & 0xFFFFFFFF) >> 16) % 100


def ids_with_mix_in(salt: int, low: int, high: int, ids: range) -> array[int]:
    """Every id in ``ids`` with ``low <= mix(id, salt) < high``: ``mix`` inlined, for speed.

    This is what keeps a million-constituent list cheap to count; it must stay the same
    arithmetic as ``mix``.
    """
    offset = salt * 0x9E3779B1
    return array(
        "q",
        [
            n
            for n in ids
            if low <= (((((n + offset) * 2654435761) & 0xFFFFFFFF) >> 16) % 100) < high
        ],
    )


# The seeds' proportions: rolls below these fall in each group (see the base_* functions).
CURRENT_MEMBER_BELOW, LAPSED_MEMBER_BELOW = 30, 45
CURRENT_DONOR_BELOW, LAPSED_DONOR_BELOW = 20, 35
BOARD_BELOW = 1
STATIC_LIST_BELOW = 8
MEMBERSHIP_SALT, GIVING_SALT, BOARD_SALT = 1, 2, 5


@dataclass(frozen=True)
class EmailAddressRecord:
    """One row of T_EADDRESS as the emulator knows it."""

    id: int
    constituent_id: int
    address: str
    type_id: int
    primary: bool
    inactive: bool
    purpose_ids: tuple[int, ...]


def base_membership(constituent_id: int) -> tuple[str, str | None]:
    """(status, level): ``current`` members, ``lapsed`` ones, or ``none``."""
    roll = mix(constituent_id, MEMBERSHIP_SALT)
    level = MEMBERSHIP_LEVELS[roll % len(MEMBERSHIP_LEVELS)]
    if roll < CURRENT_MEMBER_BELOW:
        return "current", level
    if roll < LAPSED_MEMBER_BELOW:
        return "lapsed", level
    return "none", None


def base_giving(constituent_id: int) -> str:
    """``current`` (gave this fiscal year), ``lapsed`` (last year, not this), or ``none``."""
    roll = mix(constituent_id, GIVING_SALT)
    if roll < CURRENT_DONOR_BELOW:
        return "current"
    return "lapsed" if roll < LAPSED_DONOR_BELOW else "none"


def base_on_board(constituent_id: int) -> bool:
    return mix(constituent_id, BOARD_SALT) < BOARD_BELOW


def base_in_static_list(list_id: int, constituent_id: int) -> bool:
    return mix(constituent_id, list_id) < STATIC_LIST_BELOW


def base_permission_answer(constituent_id: int, type_id: int) -> str | None:
    """``Y``, ``N`` or None (never asked: no TX_CONTACT_PERMISSION row)."""
    roll = mix(constituent_id, 4 + type_id)
    if type_id == EMAIL_MARKETING_PERMISSION:
        return "Y" if roll < 80 else "N" if roll < 90 else None
    if type_id == PHONE_PERMISSION:
        return "Y" if roll < 50 else None
    return None


def base_email_addresses(constituent_id: int) -> list[EmailAddressRecord]:
    """Primary email for all; every 97th reuses N-1's (household); every 50th has a work one."""
    n = constituent_id
    owner = n - 1 if n % 97 == 0 else n
    roll = mix(n, 3)
    purposes = tuple(
        purpose
        for purpose, wanted in ((NEWSLETTER_PURPOSE, roll < 70), (SEASON_PURPOSE, roll >= 40))
        if wanted
    )
    records = [
        EmailAddressRecord(
            n * 10 + 1, n, f"patron{owner}@example.org", PRIMARY_EMAIL_TYPE, True, False, purposes
        )
    ]
    if n % 50 == 0:
        records.append(
            EmailAddressRecord(
                n * 10 + 2,
                n,
                f"patron{n}.work@example.org",
                WORK_EMAIL_TYPE,
                False,
                n % 150 == 0,
                (SEASON_PURPOSE,),
            )
        )
    if n % 200 == 100:
        records.append(
            EmailAddressRecord(
                n * 10 + 3, n, f"https://patron{n}.example.org", WEBSITE_TYPE, False, False, ()
            )
        )
    return records


class ConstituentPopulation:
    """Constituents ``FIRST_CONSTITUENT_ID <= id < end``, with churned overrides."""

    def __init__(self, count: int) -> None:
        self.end = FIRST_CONSTITUENT_ID + count
        self.membership_overrides: dict[int, tuple[str, str | None]] = {}
        self.giving_overrides: dict[int, str] = {}
        self.board_overrides: dict[int, bool] = {}
        self.static_overrides: dict[int, dict[int, bool]] = {}
        self.inactive_overrides: dict[int, bool] = {}
        self.name_overrides: dict[int, tuple[str, str]] = {}
        self.extra_addresses: dict[int, list[EmailAddressRecord]] = {}
        self.permission_overrides: dict[int, dict[int, str | None]] = {}
        #: eaddress id -> its purposes, where LP_CALLBOARD_SET_PURPOSES changed them
        self.purpose_overrides: dict[int, tuple[int, ...]] = {}
        #: eaddress id -> its address, where churn's ``mistype`` changed it
        self.address_overrides: dict[int, str] = {}

    # -- reading ---------------------------------------------------------------------------
    @property
    def count(self) -> int:
        return self.end - FIRST_CONSTITUENT_ID

    def ids(self) -> range:
        return range(FIRST_CONSTITUENT_ID, self.end)

    def exists(self, constituent_id: int) -> bool:
        return FIRST_CONSTITUENT_ID <= constituent_id < self.end

    def name(self, constituent_id: int) -> tuple[str, str]:
        if constituent_id in self.name_overrides:
            return self.name_overrides[constituent_id]
        first = FIRST_NAMES[constituent_id % len(FIRST_NAMES)]
        return first, LAST_NAMES[(constituent_id // 7) % len(LAST_NAMES)]

    def is_active(self, constituent_id: int) -> bool:
        return not self.inactive_overrides.get(constituent_id, False)

    def membership(self, constituent_id: int) -> tuple[str, str | None]:
        found = self.membership_overrides.get(constituent_id)
        return found if found is not None else base_membership(constituent_id)

    def giving(self, constituent_id: int) -> str:
        return self.giving_overrides.get(constituent_id) or base_giving(constituent_id)

    def on_board(self, constituent_id: int) -> bool:
        found = self.board_overrides.get(constituent_id)
        return base_on_board(constituent_id) if found is None else found

    def in_static_list(self, list_id: int, constituent_id: int) -> bool:
        found = self.static_overrides.get(list_id, {}).get(constituent_id)
        return base_in_static_list(list_id, constituent_id) if found is None else found

    def permission_answer(self, constituent_id: int, type_id: int) -> str | None:
        answers = self.permission_overrides.get(constituent_id, {})
        if type_id in answers:
            return answers[type_id]
        return base_permission_answer(constituent_id, type_id)

    def email_addresses(self, constituent_id: int) -> list[EmailAddressRecord]:
        records = base_email_addresses(constituent_id) + self.extra_addresses.get(
            constituent_id, [])
        if self.address_overrides:
            records = [replace(r, address=self.address_overrides[r.id])
                       if r.id in self.address_overrides else r for r in records]
        if not self.purpose_overrides:
            return records
        return [replace(r, purpose_ids=self.purpose_overrides[r.id])
                if r.id in self.purpose_overrides else r for r in records]

    def owners_of(self, address: str) -> list[int]:
        """Constituents holding ``address`` (any case): worked out from the address pattern."""
        wanted = address.strip().casefold()
        candidates: set[int] = set()
        local, _, domain = wanted.partition("@")
        number = local.removeprefix("patron").removesuffix(".work")
        if domain == "example.org" and local.startswith("patron") and number.isdigit():
            n = int(number)
            candidates.update((n, n + 1))  # n + 1 when it is a 97th household member
        for constituent_id, records in self.extra_addresses.items():
            if any(record.address.casefold() == wanted for record in records):
                candidates.add(constituent_id)
        candidates.update(eaddress_id // 10 for eaddress_id, typed in self.address_overrides.items()
                          if typed.casefold() == wanted)
        return sorted(
            constituent_id
            for constituent_id in candidates
            if self.exists(constituent_id)
            and any(r.address.casefold() == wanted for r in self.email_addresses(constituent_id))
        )

    def postal_purpose_ids(self, constituent_id: int) -> tuple[int, ...]:
        """Every 5th constituent's postal address carries "Mail Appeals" (not an email CPP)."""
        return (MAIL_APPEALS_PURPOSE,) if constituent_id % 5 == 0 else ()

    # -- churn -----------------------------------------------------------------------------
    def grow(self, how_many: int) -> range:
        """New constituents at the end of the id range (derived like every other one)."""
        start = self.end
        self.end += how_many
        return range(start, self.end)

    def add_email_address(
        self, constituent_id: int, address: str, purpose_ids: tuple[int, ...]
    ) -> EmailAddressRecord | None:
        """Give the constituent another (non-primary) address, e.g. a household member's."""
        extras = self.extra_addresses.setdefault(constituent_id, [])
        if any(record.address == address for record in self.email_addresses(constituent_id)):
            return None
        if len(extras) >= len(_EXTRA_ADDRESS_SLOTS):
            return None
        record = EmailAddressRecord(
            constituent_id * 10 + _EXTRA_ADDRESS_SLOTS[len(extras)],
            constituent_id,
            address,
            PRIMARY_EMAIL_TYPE,
            False,
            False,
            purpose_ids,
        )
        extras.append(record)
        return record

    def mistype(self, constituent_id: int) -> tuple[str, str]:
        """The constituent's primary address loses its domain's ending (``patron12@example``),
        a typo Tessitura keeps and Prospect2 refuses on import: (the address, the typo)."""
        primary = next(r for r in self.email_addresses(constituent_id) if r.primary)
        local, _, domain = primary.address.partition("@")
        typed = f"{local}@{domain.rpartition('.')[0] or domain}"
        self.address_overrides[primary.id] = typed
        return primary.address, typed

    def set_permission_answer(self, constituent_id: int, type_id: int, answer: str | None) -> None:
        self.permission_overrides.setdefault(constituent_id, {})[type_id] = answer

    def set_purposes(self, eaddress_id: int, purpose_ids: tuple[int, ...]) -> None:
        """The purposes of one address from now on (sorted, as TX_CONTACT_POINT_PURPOSE reads)."""
        self.purpose_overrides[eaddress_id] = tuple(sorted(set(purpose_ids)))

    # -- persistence -----------------------------------------------------------------------
    def overrides_to_dict(self) -> dict[str, Any]:
        """Only what differs from the derived population (JSON keys are strings)."""
        return {
            "end": self.end,
            "membership": {str(k): list(v) for k, v in self.membership_overrides.items()},
            "giving": {str(k): v for k, v in self.giving_overrides.items()},
            "board": {str(k): v for k, v in self.board_overrides.items()},
            "static": {
                str(list_id): {str(k): v for k, v in members.items()}
                for list_id, members in self.static_overrides.items()
            },
            "inactive": {str(k): v for k, v in self.inactive_overrides.items()},
            "names": {str(k): list(v) for k, v in self.name_overrides.items()},
            "extra_addresses": {
                str(k): [
                    [r.id, r.address, r.type_id, r.primary, r.inactive, list(r.purpose_ids)]
                    for r in records
                ]
                for k, records in self.extra_addresses.items()
            },
            "permissions": {
                str(k): {str(t): a for t, a in answers.items()}
                for k, answers in self.permission_overrides.items()
            },
            "purposes": {str(k): list(v) for k, v in self.purpose_overrides.items()},
            "addresses": {str(k): v for k, v in self.address_overrides.items()},
        }

    def load_overrides(self, data: dict[str, Any]) -> None:
        self.end = int(data["end"])
        self.membership_overrides = {
            int(k): (v[0], v[1]) for k, v in data.get("membership", {}).items()
        }
        self.giving_overrides = {int(k): v for k, v in data.get("giving", {}).items()}
        self.board_overrides = {int(k): v for k, v in data.get("board", {}).items()}
        self.static_overrides = {
            int(list_id): {int(k): v for k, v in members.items()}
            for list_id, members in data.get("static", {}).items()
        }
        self.inactive_overrides = {int(k): v for k, v in data.get("inactive", {}).items()}
        self.name_overrides = {int(k): (v[0], v[1]) for k, v in data.get("names", {}).items()}
        self.extra_addresses = {
            int(k): [
                EmailAddressRecord(r[0], int(k), r[1], r[2], r[3], r[4], tuple(r[5]))
                for r in records
            ]
            for k, records in data.get("extra_addresses", {}).items()
        }
        self.permission_overrides = {
            int(k): {int(t): a for t, a in answers.items()}
            for k, answers in data.get("permissions", {}).items()
        }
        self.purpose_overrides = {int(k): tuple(v) for k, v in data.get("purposes", {}).items()}
        self.address_overrides = {int(k): v for k, v in data.get("addresses", {}).items()}
