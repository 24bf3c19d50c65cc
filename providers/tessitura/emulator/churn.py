"""``/_emulator/churn``: the outside world moving constituents across a list's criteria.

Each kind of change writes the audit rows Tessitura would (table names from
tessitura-api.md §4), stamped with the emulator clock, so syncs see realistic re-sync
candidates and realistic noise (permission flips, shared addresses, customer_no 0).
``mistype`` gives list members a primary address Prospect2 refuses on import (a typo
Tessitura keeps), so a sync meets the rejections seed 003 reports.
``change`` changes what the "Pro2 Member Data" output set shows: the membership level on a
members list (TX_CUST_MEMBERSHIP / TA_AUDIT_MEMBERSHIP), Lifetime Giving elsewhere
(T_CONTRIBUTION).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from providers.tessitura.emulator.list_manager import ListCriterion, qualifies_now
from providers.tessitura.emulator.population import (
    EMAIL_MARKETING_PERMISSION,
    MEMBERSHIP_LEVELS,
    NEWSLETTER_PURPOSE,
    ConstituentPopulation,
)
from providers.tessitura.emulator.wire_time import format_wire_datetime

if TYPE_CHECKING:
    from providers.tessitura.emulator.world import TessituraWorld

_SCAN_LIMIT = 20_000
#: ``change`` on a list that is not about membership adjusts a past gift by this much.
_GIFT_BEFORE, _GIFT_AFTER = 100, 250


def _sample(
    rng: random.Random,
    population: ConstituentPopulation,
    how_many: int,
    accept: Callable[[int], bool],
    exclude: set[int],
) -> list[int]:
    """Up to ``how_many`` distinct constituents passing ``accept``, drawn with ``rng``."""
    if how_many <= 0:
        return []
    if population.count <= _SCAN_LIMIT:
        candidates = [n for n in population.ids() if n not in exclude and accept(n)]
        return sorted(rng.sample(candidates, min(how_many, len(candidates))))
    picked: set[int] = set()
    first, end = population.ids().start, population.end
    for _ in range(how_many * 200):
        candidate = rng.randrange(first, end)
        if candidate not in picked and candidate not in exclude and accept(candidate):
            picked.add(candidate)
            if len(picked) == how_many:
                break
    return sorted(picked)


def _other_level(level: str | None, constituent_id: int) -> str:
    options = [name for name in MEMBERSHIP_LEVELS if name != level]
    return options[constituent_id % len(options)]


def apply_churn(
    world: TessituraWorld,
    list_id: int,
    *,
    add: int,
    remove: int,
    change: int,
    share_email: int,
    permission_flip: int,
    mistype: int,
    seed: int,
    now: datetime,
) -> dict[str, Any]:
    managed = world.lists.get(list_id)
    if managed is None:
        raise LookupError(f"List {list_id} does not exist.")
    population = world.population
    criterion = managed.criterion
    stamp = format_wire_datetime(now)
    rng = random.Random(f"churn:{seed}:{list_id}:{world.churn_count}")
    world.churn_count += 1

    def in_list(constituent_id: int) -> bool:
        return qualifies_now(population, criterion, list_id, constituent_id)

    def audit(constituent_id: int, table: str, column: str, old: Any, new: Any) -> None:
        world.record_audit(constituent_id, table, column, stamp, old, new)

    def audit_membership(constituent_id: int, old: tuple[str, str | None]) -> None:
        new = population.membership(constituent_id)
        audit(constituent_id, "TX_CUST_MEMBERSHIP", "current_status", old[0], new[0])
        audit(constituent_id, "TA_AUDIT_MEMBERSHIP", "memb_level", old[1], new[1])

    # -- into the list ---------------------------------------------------------------------
    if criterion is ListCriterion.ALL_ACTIVE:
        added = list(population.grow(add))
        for constituent_id in added:
            audit(constituent_id, "T_CUSTOMER", "customer_no", None, constituent_id)
    else:
        added = _sample(
            rng,
            population,
            add,
            lambda n: population.is_active(n) and not in_list(n),
            set(),
        )
        for constituent_id in added:
            _move(world, criterion, list_id, constituent_id, join=True, audit=audit,
                  audit_membership=audit_membership)  # fmt: skip

    # -- out of the list -------------------------------------------------------------------
    removed = _sample(rng, population, remove, in_list, set(added))
    for constituent_id in removed:
        _move(world, criterion, list_id, constituent_id, join=False, audit=audit,
              audit_membership=audit_membership)  # fmt: skip

    # -- audited changes that keep them in the list ------------------------------------------
    changed = _sample(rng, population, change, in_list, set(added))
    for constituent_id in changed:
        if criterion is ListCriterion.CURRENT_MEMBERS:
            old = population.membership(constituent_id)
            population.membership_overrides[constituent_id] = (
                "current",
                _other_level(old[1], constituent_id),
            )
            audit_membership(constituent_id, old)
        else:  # a past gift adjusted upwards: Lifetime Giving changes
            world.member_values.add_gift(constituent_id, _GIFT_AFTER - _GIFT_BEFORE)
            audit(constituent_id, "T_CONTRIBUTION", "cont_amt", _GIFT_BEFORE, _GIFT_AFTER)
    if changed:
        # seed 003: changes to customer_no 0 exist in real audit trails and must be ignored
        audit(0, "T_CUSTOMER", "lname", "Anonymous", "Anonymous Patron")

    # -- addresses shared between two list members (households) -------------------------------
    shared: list[dict[str, Any]] = []
    for constituent_id in _sample(rng, population, share_email, in_list, set()):
        partner = _sample(rng, population, 1, in_list, {constituent_id})
        if not partner:
            break
        address = population.email_addresses(partner[0])[0].address
        record = population.add_email_address(constituent_id, address, (NEWSLETTER_PURPOSE,))
        if record is None:
            continue
        audit(constituent_id, "T_EADDRESS", "address", None, address)
        audit(constituent_id, "TX_CONTACT_POINT_PURPOSE", "purpose_id", None, NEWSLETTER_PURPOSE)
        shared.append({"ConstituentId": constituent_id, "Address": address,
                       "SharedWith": partner[0]})  # fmt: skip

    # -- contact permission answers ------------------------------------------------------------
    flipped = _sample(rng, population, permission_flip, in_list, set())
    for constituent_id in flipped:
        old_answer = population.permission_answer(constituent_id, EMAIL_MARKETING_PERMISSION)
        new_answer = "N" if old_answer == "Y" else "Y"
        population.set_permission_answer(constituent_id, EMAIL_MARKETING_PERMISSION, new_answer)
        audit(constituent_id, "TX_CONTACT_PERMISSION", "answer", old_answer, new_answer)

    # -- primary addresses mistyped (Prospect2 refuses them) -----------------------------------
    mistyped: list[dict[str, Any]] = []
    for constituent_id in _sample(rng, population, mistype, in_list, set()):
        address, typed = population.mistype(constituent_id)
        audit(constituent_id, "T_EADDRESS", "address", address, typed)
        mistyped.append({"ConstituentId": constituent_id, "Address": typed})

    return {
        "list_id": list_id,
        "added": added,
        "removed": removed,
        "changed": changed,
        "shared_email": [item["ConstituentId"] for item in shared],
        "shared_addresses": shared,
        "permission_flip": flipped,
        "mistyped": mistyped,
        "now": stamp,
    }


def _move(
    world: TessituraWorld,
    criterion: ListCriterion,
    list_id: int,
    constituent_id: int,
    *,
    join: bool,
    audit: Callable[[int, str, str, Any, Any], None],
    audit_membership: Callable[[int, tuple[str, str | None]], None],
) -> None:
    """Change the constituent's data so the list's criteria now (do not) match them."""
    population = world.population
    match criterion:
        case ListCriterion.CURRENT_MEMBERS:
            old = population.membership(constituent_id)
            level = old[1] or MEMBERSHIP_LEVELS[constituent_id % len(MEMBERSHIP_LEVELS)]
            population.membership_overrides[constituent_id] = (
                "current" if join else "lapsed",
                level,
            )
            audit_membership(constituent_id, old)
        case ListCriterion.LAPSED_DONORS:
            old_giving = population.giving(constituent_id)
            new_giving = "lapsed" if join else "current"
            population.giving_overrides[constituent_id] = new_giving
            audit(constituent_id, "T_CONTRIBUTION", "cont_dt", old_giving, new_giving)
        case ListCriterion.BOARD:
            population.board_overrides[constituent_id] = join
            audit(constituent_id, "T_CUSTOMER", "constituency", None if join else "BRD",
                  "BRD" if join else None)  # fmt: skip
        case ListCriterion.STATIC:
            population.static_overrides.setdefault(list_id, {})[constituent_id] = join
        case ListCriterion.ALL_ACTIVE:
            population.inactive_overrides[constituent_id] = not join
            audit(constituent_id, "T_CUSTOMER", "inactive", "Y" if join else "N",
                  "N" if join else "Y")  # fmt: skip
