"""Custom field options and lists: the steps that change them (examples and properties), the
handler doing them against the emulator, and the plan's estimate against the requests made."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from provider_support import FAST_RETRY, PROSPECT2_ENV, AnswerLosingTransport, EmulatorControl

from engine.kinds import LiveObject
from providers.prospect2.client import Prospect2Client
from providers.prospect2.kinds.custom_fields import (
    CustomFieldsHandler,
    CustomFieldsKind,
    CustomFieldSpec,
)
from providers.prospect2.kinds.field_choices import (
    LiveOption,
    LiveRelation,
    choice_calls,
    option_steps,
    relation_steps,
)

pytestmark = pytest.mark.anyio
LETTERS = st.lists(st.sampled_from("ABCDEFGH"), unique=True, max_size=8)


def live(values: list[str]) -> list[LiveOption]:
    return [LiveOption(str(10 + i), value, i + 1) for i, value in enumerate(values)]


@given(LETTERS, LETTERS)
def test_option_steps_reach_the_declared_options_in_order(have: list[str],
                                                           want: list[str]) -> None:
    options = live(have)
    steps = option_steps(options, want)
    assert steps.result() == want
    assert sorted(steps.kept + steps.delete, key=lambda o: o.orderid) == options
    kept = [o.orderid for o in steps.kept]
    assert kept == sorted(kept)
    assert all(orderid > max(kept, default=0) for _, orderid in steps.add)
    assert [o.value for o in steps.kept] == want[:len(steps.kept)]


@given(LETTERS, LETTERS)
def test_an_option_only_appended_or_only_removed_is_never_added_again(
        have: list[str], extra: list[str]) -> None:
    appended = have + [value for value in extra if value not in have]
    steps = option_steps(live(have), appended)
    assert steps.delete == [] and [v for v, _ in steps.add] == appended[len(have):]
    kept = [value for value in have if value not in extra]
    steps = option_steps(live(have), kept)
    assert steps.add == [] and sorted(o.value for o in steps.delete) == sorted(
        set(have) - set(kept))


def test_option_steps_by_example() -> None:
    assert option_steps(live(["A", "B", "C"]), ["A", "B", "C", "D"]).calls == 1
    assert option_steps(live(["A", "B", "C"]), ["A", "C"]).calls == 1
    moved = option_steps(live(["A", "B", "C"]), ["C", "A", "B"])
    assert [o.value for o in moved.kept] == ["C"] and moved.add == [("A", 4), ("B", 5)]
    assert moved.calls == 3


@given(st.lists(st.integers(0, 5), unique=True),
       st.one_of(st.just("all"), st.lists(st.integers(1, 5), unique=True)))
def test_relation_steps_leave_exactly_the_declared_lists(have: list[int],
                                                         want: str | list[int]) -> None:
    relations = [LiveRelation(str(100 + relid), relid) for relid in have]
    add, delete = relation_steps(relations, want)
    after = {r.relid for r in relations if r not in delete} | set(add)
    assert after == ({0} if want == "all" else set(want))


def test_choice_calls_by_example() -> None:
    before = {"options": ["A", "B"], "lists": "all"}
    assert choice_calls(before, {"options": ["A", "B"], "lists": "all"}) == 0
    assert choice_calls(before, {"options": ["A", "B", "C"], "lists": "all"}) == 1
    assert choice_calls(before, {"options": ["A"], "lists": ["News"]}) == 3
    assert choice_calls(None, {"options": ["A", "B"], "lists": ["News", "Season"]}) == 3


# -- the handler against the emulator ------------------------------------------------------

def fast_handler(transport: httpx.AsyncBaseTransport) -> CustomFieldsHandler:
    client = Prospect2Client(PROSPECT2_ENV["PROSPECT2_URL"], PROSPECT2_ENV["PROSPECT2_API_TOKEN"],
                             transport, rate_per_second=10_000, retry=FAST_RETRY)
    return CustomFieldsHandler(client)


@pytest.fixture
async def handler(transport: httpx.ASGITransport) -> AsyncIterator[CustomFieldsHandler]:
    fields = fast_handler(transport)
    yield fields
    await fields.client.aclose()


@pytest.fixture
async def api(transport: httpx.ASGITransport) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator/api/3",
                                 headers={"Api-Token": "emulator-token"}) as http:
        yield http


def declared(**manifest: Any) -> CustomFieldSpec:
    return CustomFieldsKind().desired("f", CustomFieldSpec.model_validate(manifest))


async def changed(handler: CustomFieldsHandler, obj: LiveObject, spec: CustomFieldSpec,
                  action: str = "update") -> LiveObject:
    """Apply one change, checking the plan's estimate is the requests it made."""
    before = handler.client.requests_made
    made = await (handler.update(obj, spec) if action == "update" else handler.create(spec))
    estimate = handler.estimated_calls_for(action, obj.fields if obj else None, spec.plain())
    assert handler.client.requests_made - before == estimate, spec.plain()
    return made


async def test_options_and_lists_round_trip(handler: CustomFieldsHandler,
                                            api: httpx.AsyncClient) -> None:
    level = declared(title="Level", type="dropdown", options=["Friend", "Patron"],
                     lists=[{"id": 1}, {"id": 2}])
    made = await changed(handler, None, level, "create")  # type: ignore[arg-type]
    assert made.fields == level.plain()
    wire = (await api.get(f"/fields/{made.remote_id}")).json()
    assert [(o["value"], o["label"]) for o in wire["fieldOptions"]] == [
        ("Friend", "Friend"), ("Patron", "Patron")]
    assert sorted(r["relid"] for r in wire["fieldRels"]) == ["1", "2"]

    steps = [dict(options=["Friend", "Patron", "Benefactor"]),            # append
             dict(options=["Benefactor", "Friend", "Patron"]),            # reorder
             dict(options=["Benefactor", "Patron"], lists="all"),         # remove, all lists
             dict(options=["Benefactor", "Patron"], lists=[{"id": 2}]),   # one list
             dict(options=["Benefactor", "Patron"], lists=[{"id": 2}], title="Tier")]
    for step in steps:
        level = declared(**{**level.plain(), **step})
        made = await changed(handler, made, level)
        assert made.fields == level.plain()
        [listed] = [o for o in await handler.list() if o.remote_id == made.remote_id]
        assert listed.fields == level.plain()
    read = await handler.read(made.remote_id)
    assert read is not None and read.fields == level.plain()
    assert CustomFieldsKind().manifest_entry(read) == {
        "title": "Tier", "type": "dropdown", "perstag": "LEVEL",
        "options": ["Benefactor", "Patron"], "lists": [{"id": 2}]}


async def test_a_field_made_elsewhere_shows_the_lists_it_belongs_to(
        handler: CustomFieldsHandler, api: httpx.AsyncClient) -> None:
    field = (await api.post("/fields", json={"field": {"title": "Bare", "type": "radio"}})
             ).json()["field"]["id"]
    [bare] = [o for o in await handler.list() if o.remote_id == field]
    assert bare.value.lists == [] and bare.value.options == []
    seeded = next(o for o in await handler.list() if o.key == "SEAT_LOCATION")
    assert seeded.value.lists == "all"
    assert "lists" not in CustomFieldsKind().manifest_entry(seeded)


async def test_a_lost_bulk_answer_adds_each_option_once(
        transport: httpx.ASGITransport, control: EmulatorControl,
        api: httpx.AsyncClient) -> None:
    losing = AnswerLosingTransport(transport, "/api/3/fieldOption/bulk")
    fields = fast_handler(losing)
    try:
        made = await fields.create(declared(title="Band", type="checkbox",
                                            options=["Front", "Back"]))
    finally:
        await fields.client.aclose()
    assert losing.lost == 1 and made.value.options == ["Front", "Back"]
    wire = (await api.get(f"/fields/{made.remote_id}")).json()
    assert [o["value"] for o in wire["fieldOptions"]] == ["Front", "Back"]
    assert await control.count("POST /api/3/fieldOption/bulk") == 1


async def test_holders_are_counted_per_removed_option(handler: CustomFieldsHandler,
                                                     api: httpx.AsyncClient) -> None:
    single = await handler.create(declared(title="Tier", type="dropdown",
                                           options=["Gold", "Silver", "Bronze"]))
    multi = await handler.create(declared(title="Interests", type="checkbox",
                                          options=["Opera", "Dance", "Jazz"]))
    values = {2: ("Gold", "||Opera||Dance||"), 3: ("Gold", "||Dance||"),
              4: ("Silver", "||Opera||")}
    for contact, (tier, interests) in values.items():
        for field, value in ((single, tier), (multi, interests)):
            await api.post("/fieldValues", json={"fieldValue": {
                "contact": contact, "field": field.remote_id, "value": value}})
    counts, requests = await handler.holders(single.remote_id, "dropdown",
                                             ["Gold", "Bronze"])
    assert (counts, requests) == ({"Gold": 2, "Bronze": 0}, 2)
    counts, requests = await handler.holders(multi.remote_id, "checkbox",
                                             ["Opera", "Dance", "Jazz"])
    assert (counts, requests) == ({"Opera": 2, "Dance": 2, "Jazz": 0}, 1)
