"""The ``tags`` kind: manifest model and its handler against the emulator."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import httpx
import pytest
from provider_support import FAST_RETRY, PROSPECT2_ENV, AnswerLosingTransport, EmulatorControl
from pydantic import ValidationError

from engine.kinds import LiveObject
from providers.prospect2.client import Prospect2Client
from providers.prospect2.kinds.tags import TagsHandler, TagsKind, TagSpec

pytestmark = pytest.mark.anyio


def fast_handler(transport: httpx.AsyncBaseTransport) -> TagsHandler:
    client = Prospect2Client(PROSPECT2_ENV["PROSPECT2_URL"], PROSPECT2_ENV["PROSPECT2_API_TOKEN"],
                             transport, rate_per_second=10_000, retry=FAST_RETRY)
    return TagsHandler(client)


@pytest.fixture
async def handler(transport: httpx.ASGITransport) -> AsyncIterator[TagsHandler]:
    tags = fast_handler(transport)
    yield tags
    await tags.client.aclose()


def test_the_name_defaults_to_the_manifest_key() -> None:
    kind = TagsKind()
    assert kind.desired("members-active", TagSpec()).plain() == {
        "name": "members-active", "description": "", "contact_point_purpose": None}
    named = kind.desired("members-active", TagSpec(name="Member - Active", description="d"))
    assert named.plain() == {"name": "Member - Active", "description": "d",
                             "contact_point_purpose": None}
    assert kind.key(named) == "Member - Active"


def test_unknown_manifest_keys_are_refused() -> None:
    with pytest.raises(ValidationError):
        TagSpec.model_validate({"name": "x", "colour": "red"})


async def test_create_update_delete_round_trip(handler: TagsHandler) -> None:
    created = await handler.create(TagSpec(name="Round trip", description="first"))
    assert created.fields == {"name": "Round trip", "description": "first",
                              "contact_point_purpose": None}
    assert created.key == "Round trip"

    updated = await handler.update(created, TagSpec(name="Round trip", description="second"))
    assert updated.remote_id == created.remote_id
    listed = {o.remote_id: o for o in await handler.list()}
    assert listed[created.remote_id].fields["description"] == "second"

    await handler.delete(updated)
    assert created.remote_id not in {o.remote_id for o in await handler.list()}
    await handler.delete(updated)  # deleting what is already gone is done, not an error


async def test_list_is_one_paged_pass_of_contact_tags_only(
        handler: TagsHandler, control: EmulatorControl) -> None:
    for n in range(120):
        await handler.create(TagSpec(name=f"bulk {n:03}"))
    await handler.client.post("/tags", {"tag": {"tag": "A template tag", "tagType": "template"}})
    before = await control.count("GET /api/3/tags")

    live = await handler.list()

    names = {o.key for o in live}
    assert {f"bulk {n:03}" for n in range(120)} <= names
    assert "A template tag" not in names
    assert all(isinstance(o, LiveObject) and o.kind == "tags" for o in live)
    pages = math.ceil((len(live) + 1) / 100)  # the template tag is paged over, then skipped
    assert await control.count("GET /api/3/tags") - before == pages


@pytest.mark.parametrize("drop_connection", [False, True])
async def test_a_lost_create_answer_leaves_one_tag(
        transport: httpx.ASGITransport, control: EmulatorControl, drop_connection: bool) -> None:
    losing = AnswerLosingTransport(transport, "/api/3/tags", drop_connection=drop_connection)
    tags = fast_handler(losing)
    try:
        created = await tags.create(TagSpec(name="Members - Lapsed"))
        matching = [o for o in await tags.list() if o.key == "Members - Lapsed"]
    finally:
        await tags.client.aclose()
    assert losing.lost == 1
    assert [o.remote_id for o in matching] == [created.remote_id]
    assert await control.count("POST /api/3/tags") == 1
