"""List Manager lists: criteria over the population, and generated contents.

A dynamic list's contents are what its criteria matched when it was last generated
(T_LIST_CONTENTS), not what they match now; that gap is exactly what a Data Sync's
``Generate`` call closes. Contents are stored as the derived base set plus a small
added/removed delta, so a million-member list costs nothing until someone reads it.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

from providers.tessitura.emulator.population import (
    BOARD_BELOW,
    BOARD_SALT,
    CURRENT_DONOR_BELOW,
    CURRENT_MEMBER_BELOW,
    FIRST_CONSTITUENT_ID,
    GIVING_SALT,
    LAPSED_DONOR_BELOW,
    MEMBERSHIP_SALT,
    STATIC_LIST_BELOW,
    ConstituentPopulation,
    base_giving,
    base_in_static_list,
    base_membership,
    base_on_board,
    ids_with_mix_in,
)


class ListCriterion(StrEnum):
    """What decides membership; churn moves constituents across these lines."""

    CURRENT_MEMBERS = "current_members"
    LAPSED_DONORS = "lapsed_donors"
    BOARD = "board"
    ALL_ACTIVE = "all_active"
    STATIC = "static"


def base_qualifies(criterion: ListCriterion, list_id: int, constituent_id: int) -> bool:
    """Membership of the seeded population, before any churn."""
    match criterion:
        case ListCriterion.CURRENT_MEMBERS:
            return base_membership(constituent_id)[0] == "current"
        case ListCriterion.LAPSED_DONORS:
            return base_giving(constituent_id) == "lapsed"
        case ListCriterion.BOARD:
            return base_on_board(constituent_id)
        case ListCriterion.ALL_ACTIVE:
            return True
        case ListCriterion.STATIC:
            return base_in_static_list(list_id, constituent_id)


def qualifies_now(
    population: ConstituentPopulation, criterion: ListCriterion, list_id: int, constituent_id: int
) -> bool:
    """Membership with churn applied; dynamic lists leave inactive constituents out."""
    if not population.exists(constituent_id):
        return False
    match criterion:
        case ListCriterion.STATIC:
            return population.in_static_list(list_id, constituent_id)
        case ListCriterion.CURRENT_MEMBERS:
            matched = population.membership(constituent_id)[0] == "current"
        case ListCriterion.LAPSED_DONORS:
            matched = population.giving(constituent_id) == "lapsed"
        case ListCriterion.BOARD:
            matched = population.on_board(constituent_id)
        case ListCriterion.ALL_ACTIVE:
            matched = True
    return matched and population.is_active(constituent_id)


def touched_ids(
    population: ConstituentPopulation, criterion: ListCriterion, list_id: int
) -> set[int]:
    """Constituents whose overrides could put them on the other side of the criterion."""
    if criterion is ListCriterion.STATIC:
        return set(population.static_overrides.get(list_id, {}))
    relevant: dict[ListCriterion, dict[int, Any]] = {
        ListCriterion.CURRENT_MEMBERS: population.membership_overrides,
        ListCriterion.LAPSED_DONORS: population.giving_overrides,
        ListCriterion.BOARD: population.board_overrides,
        ListCriterion.ALL_ACTIVE: {},
    }
    return set(relevant[criterion]) | set(population.inactive_overrides)


@lru_cache(maxsize=32)
def base_contents(criterion: ListCriterion, list_id: int, end: int) -> array[int]:
    """The seeded population's members of a list, ids below ``end`` (shared by all worlds)."""
    ids = range(FIRST_CONSTITUENT_ID, end)
    match criterion:
        case ListCriterion.CURRENT_MEMBERS:
            return ids_with_mix_in(MEMBERSHIP_SALT, 0, CURRENT_MEMBER_BELOW, ids)
        case ListCriterion.LAPSED_DONORS:
            return ids_with_mix_in(GIVING_SALT, CURRENT_DONOR_BELOW, LAPSED_DONOR_BELOW, ids)
        case ListCriterion.BOARD:
            return ids_with_mix_in(BOARD_SALT, 0, BOARD_BELOW, ids)
        case ListCriterion.STATIC:
            return ids_with_mix_in(list_id, 0, STATIC_LIST_BELOW, ids)
        case ListCriterion.ALL_ACTIVE:
            return array("q", ids)


@dataclass
class ManagedList:
    """One row of T_LIST plus what its last generation put in T_LIST_CONTENTS."""

    id: int
    description: str
    category_id: int
    is_dynamic: bool
    tms_indicator: bool
    criterion: ListCriterion
    criteria_text: str
    created_stamp: str
    updated_stamp: str
    generated_stamp: str
    generated_end: int
    generated_added: set[int] = field(default_factory=set)
    generated_removed: set[int] = field(default_factory=set)
    #: The list's default output set (``List.OutputSet``); None: results need an OutputSetId.
    output_set_id: int | None = None
    #: A dynamic list's contents as last generated, built once per generation: paging a
    #: churned million-member list must not rebuild it for every page.
    _generated_contents: Sequence[int] | None = field(default=None, init=False, repr=False,
                                                      compare=False)

    def _base_contents(self, end: int) -> array[int]:
        return base_contents(self.criterion, self.id, end)

    def _delta(self, population: ConstituentPopulation) -> tuple[int, set[int], set[int]]:
        """(end, added, removed) against the base: live for static lists, frozen for dynamic."""
        if self.is_dynamic:
            return self.generated_end, self.generated_added, self.generated_removed
        return population.end, *self._compute_delta(population, population.end)

    def _compute_delta(
        self, population: ConstituentPopulation, end: int
    ) -> tuple[set[int], set[int]]:
        added: set[int] = set()
        removed: set[int] = set()
        for constituent_id in touched_ids(population, self.criterion, self.id):
            if constituent_id >= end:
                continue
            now = qualifies_now(population, self.criterion, self.id, constituent_id)
            base = base_qualifies(self.criterion, self.id, constituent_id)
            if now and not base:
                added.add(constituent_id)
            elif base and not now:
                removed.add(constituent_id)
        return added, removed

    def contents(self, population: ConstituentPopulation) -> Sequence[int]:
        """Member ids, ascending."""
        if self.is_dynamic and self._generated_contents is not None:
            return self._generated_contents
        end, added, removed = self._delta(population)
        base = self._base_contents(end)
        if not added and not removed:
            found: Sequence[int] = base
        else:
            kept = [n for n in base if n not in removed] if removed else list(base)
            found = sorted(set(kept) | added) if added else kept
        if self.is_dynamic:
            self._generated_contents = found
        return found

    def constituent_count(self, population: ConstituentPopulation) -> int:
        end, added, removed = self._delta(population)
        return len(self._base_contents(end)) + len(added) - len(removed)

    def generate(self, population: ConstituentPopulation, stamp: str) -> None:
        """Re-run the criteria (a static list keeps its hand-picked contents)."""
        if self.is_dynamic:
            added, removed = self._compute_delta(population, population.end)
            if (population.end, added, removed) != (
                self.generated_end, self.generated_added, self.generated_removed
            ):
                self._generated_contents = None  # the same contents keep their cache
            self.generated_end = population.end
            self.generated_added, self.generated_removed = added, removed
        self.generated_stamp = stamp

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "category_id": self.category_id,
            "is_dynamic": self.is_dynamic,
            "tms_indicator": self.tms_indicator,
            "criterion": self.criterion.value,
            "criteria_text": self.criteria_text,
            "created_stamp": self.created_stamp,
            "updated_stamp": self.updated_stamp,
            "generated_stamp": self.generated_stamp,
            "generated_end": self.generated_end,
            "generated_added": sorted(self.generated_added),
            "generated_removed": sorted(self.generated_removed),
            "output_set_id": self.output_set_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ManagedList:
        return cls(
            id=int(data["id"]),
            description=data["description"],
            category_id=int(data["category_id"]),
            is_dynamic=bool(data["is_dynamic"]),
            tms_indicator=bool(data["tms_indicator"]),
            criterion=ListCriterion(data["criterion"]),
            criteria_text=data["criteria_text"],
            created_stamp=data["created_stamp"],
            updated_stamp=data["updated_stamp"],
            generated_stamp=data["generated_stamp"],
            generated_end=int(data["generated_end"]),
            generated_added=set(data["generated_added"]),
            generated_removed=set(data["generated_removed"]),
            output_set_id=data.get("output_set_id"),
        )
