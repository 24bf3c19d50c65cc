"""A custom field's options and lists, and the fewest requests that make live ones match.

ActiveCampaign adds options in bulk (``POST /fieldOption/bulk``) and removes them one at a
time (``DELETE /fieldOptions/{id}``); it documents no way to rename or move an option. So the
live options that already stand in the declared order are kept, every other one is deleted,
and the declared options after the last kept one are added in one bulk request, numbered
after it. Appending costs one request, removing one a removed option; moving an option
deletes and re-adds it (and those after it). Contacts keep their values throughout: a value
is the option's text, not its id (ActiveCampaign's reference says deleting an option does not
update contacts).

Lists are relations (``fieldRels``): ``relid`` 0 means every list. A field related to every
list is shown as ``all`` whatever else it is related to; declaring ``all`` removes the
relations to single lists, and declaring lists removes the relation to every list.

Pure: no I/O. The handler reads the field, asks these functions what to do, and does it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Field types whose values are chosen from options.
CHOICE_TYPES = ("dropdown", "listbox", "radio", "checkbox")
#: Types holding several choices in one value, written ``||Gold||Silver||``.
MULTI_CHOICE_TYPES = ("listbox", "checkbox")
ALL_LISTS = "all"
#: ``relid`` of the relation to every list.
EVERY_LIST = 0


@dataclass(frozen=True)
class LiveOption:
    id: str
    value: str
    orderid: int


@dataclass(frozen=True)
class LiveRelation:
    id: str
    relid: int


@dataclass
class OptionSteps:
    kept: list[LiveOption] = field(default_factory=list)
    delete: list[LiveOption] = field(default_factory=list)
    #: (value, orderid) to add, in order.
    add: list[tuple[str, int]] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return len(self.delete) + (1 if self.add else 0)

    def result(self) -> list[str]:
        return [o.value for o in self.kept] + [value for value, _ in self.add]


def live_options(wire: Sequence[Mapping[str, Any]], field_id: str) -> list[LiveOption]:
    """A field's options from a sideload (``fieldOptions``), in display order."""
    mine = [LiveOption(str(o["id"]), str(o.get("value") or ""), _number(o.get("orderid")))
            for o in wire if str(o.get("field")) == field_id]
    return sorted(mine, key=lambda o: (o.orderid, _number(o.id)))


def live_relations(wire: Sequence[Mapping[str, Any]], field_id: str) -> list[LiveRelation]:
    """A field's list relations from a sideload (``fieldRels``)."""
    return sorted((LiveRelation(str(r["id"]), _number(r.get("relid")))
                   for r in wire if str(r.get("field")) == field_id),
                  key=lambda r: _number(r.id))


def option_steps(live: Sequence[LiveOption], wanted: Sequence[str]) -> OptionSteps:
    """Keep the live options matching the longest start of ``wanted`` in order (the earliest
    match of each is the longest such start); delete the rest; add what follows."""
    steps = OptionSteps()
    for option in live:
        if len(steps.kept) < len(wanted) and option.value == wanted[len(steps.kept)]:
            steps.kept.append(option)
        else:
            steps.delete.append(option)
    start = max((o.orderid for o in steps.kept), default=0)
    steps.add = [(value, start + index + 1)
                 for index, value in enumerate(wanted[len(steps.kept):])]
    return steps


def relation_steps(live: Sequence[LiveRelation], wanted: str | Sequence[int]
                   ) -> tuple[list[int], list[LiveRelation]]:
    """The ``relid``s to relate the field to, and the relations to delete."""
    want = {EVERY_LIST} if wanted == ALL_LISTS else {int(i) for i in wanted}
    have = {r.relid for r in live}
    return sorted(want - have), [r for r in live if r.relid not in want]


def lists_shown(relids: Sequence[int]) -> str | list[int]:
    """``all`` when one relation is to every list, else the list ids, sorted."""
    return ALL_LISTS if EVERY_LIST in relids else sorted(set(relids))


def choice_calls(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> int:
    """Requests that bring ``before``'s options and lists to ``after``'s (plain values, as a
    plan holds them), counting the read of the option and relation ids when any change."""
    before = before or {"options": [], "lists": []}
    old_options = [LiveOption(str(i), str(v), i + 1)
                   for i, v in enumerate(before.get("options") or [])]
    options = option_steps(old_options, list(after.get("options") or [])).calls
    old, new = _list_keys(before.get("lists")), _list_keys(after.get("lists", ALL_LISTS))
    lists = len(old ^ new)
    return options + lists


def _list_keys(value: Any) -> set[str]:
    if value == ALL_LISTS:
        return {ALL_LISTS}
    return {json.dumps(v, sort_keys=True) for v in value or []}


def _number(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
