"""The requests behind a custom field's options and lists, and behind counting who holds an
option. What to do is decided in ``field_choices`` (pure); this module only does it.

Every write is safe to run again: options and relations are read with their ids first, a
relation is created through the client's lost-answer check, and the bulk add of options is
never sent twice unless a read shows the first attempt added nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from providers.prospect2.client import Prospect2Client
from providers.prospect2.kinds.field_choices import (
    MULTI_CHOICE_TYPES,
    LiveOption,
    LiveRelation,
    lists_shown,
    live_options,
    live_relations,
    option_steps,
    relation_steps,
)


@dataclass
class WireField:
    """A field as the service sends it, with its options and list relations (and their ids)."""

    field: dict[str, Any]
    options: list[LiveOption]
    relations: list[LiveRelation]

    @classmethod
    def of(cls, field: dict[str, Any], loaded: Mapping[str, Any]) -> WireField:
        """``field`` with its share of a sideload (``fieldOptions``, ``fieldRels``)."""
        own = str(field["id"])
        return cls(field, live_options(loaded.get("fieldOptions") or [], own),
                   live_relations(loaded.get("fieldRels") or [], own))

    @property
    def id(self) -> str:
        return str(self.field["id"])

    def lists(self) -> str | list[int]:
        return lists_shown([r.relid for r in self.relations])


class FieldWrites:
    """One field's options and relations, spoken in ActiveCampaign's requests."""

    def __init__(self, client: Prospect2Client) -> None:
        self.client = client

    async def read(self, remote_id: str) -> WireField | None:
        """``GET /fields/{id}``: the field, its options and relations (None if it is gone)."""
        status, answer = await self.client.exchange("GET", f"/fields/{remote_id}",
                                                    replay_safe=True, accept=(404,))
        if status == 404 or not isinstance(answer, dict) or "field" not in answer:
            return None
        return WireField.of(answer["field"], answer)

    async def converge(self, wire: WireField, options: Sequence[str],
                       lists: str | Sequence[int]) -> WireField:
        """Make ``wire``'s options and lists the declared ones; what the field holds after."""
        relations = await self._relate(wire, lists)
        steps = option_steps(wire.options, options)
        for option in steps.delete:  # first: an option moved is added again by its value
            await self.client.delete(f"/fieldOptions/{option.id}", missing_ok=True)
        added = await self._add_options(wire.id, steps.add) if steps.add else []
        return WireField(wire.field, steps.kept + added, relations)

    async def _relate(self, wire: WireField, lists: str | Sequence[int]
                      ) -> list[LiveRelation]:
        """New relations first, so the field is never on fewer lists than both sides say."""
        add, delete = relation_steps(wire.relations, lists)
        made: list[LiveRelation] = []
        for relid in add:
            created = await self.client.create(
                "/fieldRels", "fieldRel", {"field": int(wire.id), "relid": relid},
                find_existing=lambda relid=relid: self._relation(wire.id, relid))
            made.append(LiveRelation(str(created["id"]), relid))
        for relation in delete:
            await self.client.delete(f"/fieldRels/{relation.id}", missing_ok=True)
        return [r for r in wire.relations if r not in delete] + made

    async def _relation(self, field_id: str, relid: int) -> dict[str, Any] | None:
        found = await self.read(field_id)
        match = next((r for r in found.relations if r.relid == relid), None) if found else None
        return None if match is None else {"id": match.id, "relid": relid}

    async def _add_options(self, field_id: str, add: list[tuple[str, int]]
                           ) -> list[LiveOption]:
        """One ``POST /fieldOption/bulk`` (label and value the same text)."""
        values = [value for value, _ in add]
        body = {"fieldOptions": [{"field": int(field_id), "label": value, "value": value,
                                  "orderid": orderid, "isdefault": False}
                                 for value, orderid in add]}

        async def took_effect() -> bool:
            found = await self.read(field_id)
            have = {o.value for o in found.options} if found else set()
            return all(value in have for value in values)

        answer = await self.client.post_once("/fieldOption/bulk", body, took_effect=took_effect)
        if answer is None:
            found = await self.read(field_id)
            return [o for o in (found.options if found else []) if o.value in values]
        return live_options(answer.get("fieldOptions") or [], field_id)

    async def holders(self, field_id: str, field_type: str, values: Sequence[str]
                      ) -> tuple[dict[str, int], int]:
        """Contacts holding each of ``values``, and the requests counting took.

        A single-choice field asks once a value (``GET /fieldValues`` filtered by field and
        value, ``limit=1``: the answer's ``meta.total`` is the count). A listbox or checkbox
        value holds several choices (``||Gold||Silver||``), which the value filter cannot
        match, so the field's values are read in one paged pass (100 a request) and counted.
        """
        before = self.client.requests_made
        if field_type in MULTI_CHOICE_TYPES:
            rows = await self.client.paged("/fieldValues", "fieldValues",
                                           {"filters[fieldid]": field_id})
            held = [_choices(row.get("value")) for row in rows]
            counts = {value: sum(value in choices for choices in held) for value in values}
        else:
            counts = {}
            for value in values:
                answer = await self.client.get("/fieldValues", {
                    "filters[fieldid]": field_id, "filters[val]": value, "limit": 1})
                counts[value] = _count(answer)
        return counts, self.client.requests_made - before


def _choices(value: Any) -> set[str]:
    """``||Gold||Silver||`` (or a single choice) as its choices."""
    return {part for part in str(value or "").split("||") if part}


def _count(answer: Mapping[str, Any]) -> int:
    meta = answer.get("meta")
    try:
        return int(meta["total"]) if isinstance(meta, dict) else len(answer["fieldValues"])
    except (KeyError, TypeError, ValueError):
        return len(answer.get("fieldValues") or [])
