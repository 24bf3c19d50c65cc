"""Output sets: the columns List Manager results carry (Data Sync ``contact_data``).

An output set (T_OUTPUT_SET) groups query elements (T_QUERY_ELEMENT); each element computes
one value per constituent and is shown under its ``DescriptionRenamed``. The emulator knows a
handful of query elements, each a function of the world, so results for any page of any list
are computed for that page's constituents only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from providers.tessitura.emulator.reference_tables import Row

if TYPE_CHECKING:
    from providers.tessitura.emulator.world import TessituraWorld

#: The output set every seed sets as the default of its Prospect2 lists (spec §6).
MEMBER_DATA_OUTPUT_SET = 31
MEMBER_DATA_COLUMNS = ("Membership Level", "Last Performance Date", "Lifetime Giving")
#: A second set, so a sync can name an output set other than its list's default.
PATRON_NAMES_OUTPUT_SET = 32

QueryValue = Callable[["TessituraWorld", int], Any]


@dataclass(frozen=True)
class QueryElementSpec:
    """One T_QUERY_ELEMENT the emulator can compute."""

    id: int
    description: str
    group_id: int
    value: QueryValue


QUERY_ELEMENT_GROUPS = {40: "Constituent", 41: "Membership", 42: "Ticket History",
                        43: "Contributions"}  # fmt: skip

QUERY_ELEMENTS: dict[int, QueryElementSpec] = {
    spec.id: spec
    for spec in (
        QueryElementSpec(401, "First Name", 40, lambda w, n: w.population.name(n)[0]),
        QueryElementSpec(402, "Last Name", 40, lambda w, n: w.population.name(n)[1]),
        QueryElementSpec(411, "Membership Level", 41, lambda w, n: w.population.membership(n)[1]),
        QueryElementSpec(421, "Last Performance Date", 42,
                         lambda w, n: w.member_values.last_performance_date(n)),
        QueryElementSpec(431, "Lifetime Giving", 43,
                         lambda w, n: w.member_values.lifetime_giving(w.population, n)),
    )
}  # fmt: skip


def _group_summary(group_id: int) -> dict[str, Any]:
    return {"Id": group_id, "Description": QUERY_ELEMENT_GROUPS[group_id], "Category": 1,
            "IsVirtual": False, "NumberOfParameters": 0}  # fmt: skip


def _element_groups(columns: list[tuple[int, str]], first_element_id: int) -> list[Row]:
    """``ElementGroups`` for (query element id, DescriptionRenamed) pairs, ranked in order."""
    groups: dict[int, Row] = {}
    for rank, (element_id, renamed) in enumerate(columns, start=1):
        spec = QUERY_ELEMENTS[element_id]
        group = groups.setdefault(spec.group_id, {
            "Group": _group_summary(spec.group_id), "IsSingleRow": True, "KeywordId": None,
            "IncludePrimaryAffiliation": False, "Elements": [], "Filters": [],
        })  # fmt: skip
        group["Elements"].append({
            "Id": first_element_id + rank, "Rank": rank, "Inactive": False,
            "DescriptionRenamed": renamed,
            "QueryElement": {"Id": spec.id, "Description": spec.description, "IsSingleRow": True,
                             "Group": _group_summary(spec.group_id)},
        })  # fmt: skip
    return list(groups.values())


def seed_output_sets(stamp: str) -> dict[int, Row]:
    """T_OUTPUT_SET rows in the wire shape (``OutputSet``), keyed by id."""
    specs = (
        (MEMBER_DATA_OUTPUT_SET, "Pro2 Member Data",
         [(411, "Membership Level"), (421, "Last Performance Date"), (431, "Lifetime Giving")]),
        (PATRON_NAMES_OUTPUT_SET, "Patron Names",
         [(401, "First"), (402, "Last"), (411, "Level")]),
    )  # fmt: skip
    return {
        set_id: {
            "Id": set_id, "Description": description, "TMSIndicator": True, "ControlGroup": None,
            "EditIndicator": True, "ElementGroups": _element_groups(columns, set_id * 100),
            "CreatedDateTime": stamp, "CreateLocation": "seed", "CreatedBy": "dbo",
            "UpdatedDateTime": stamp, "UpdatedBy": "dbo", "LastUsedDateTime": stamp,
        }  # fmt: skip
        for set_id, description, columns in specs
    }


def output_set_summary(row: Row) -> dict[str, Any]:
    """``OutputSetSummary``: what Summary lists and what a List's ``OutputSet`` holds."""
    keys = ("Description", "Id", "CreatedBy", "TMSIndicator", "CreatedDateTime",
            "UpdatedDateTime", "LastUsedDateTime", "ControlGroup")  # fmt: skip
    return {key: row.get(key) for key in keys}


Column = tuple[str, QueryElementSpec | None]


def output_set_columns(row: Row) -> list[Column]:
    """(column name, element) in rank order; an element the emulator cannot compute is NULL."""
    elements = [
        element
        for group in row.get("ElementGroups") or []
        for element in group.get("Elements") or []
        if not element.get("Inactive")
    ]
    elements.sort(key=lambda element: element.get("Rank") or 0)
    return [
        (
            element.get("DescriptionRenamed") or element["QueryElement"]["Description"],
            QUERY_ELEMENTS.get(element["QueryElement"]["Id"]),
        )
        for element in elements
    ]


def column_values(world: TessituraWorld, columns: list[Column], constituent_id: int
                  ) -> dict[str, Any]:
    return {
        name: None if spec is None else spec.value(world, constituent_id)
        for name, spec in columns
    }
