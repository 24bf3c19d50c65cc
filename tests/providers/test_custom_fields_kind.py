"""The ``custom_fields`` kind: manifest model and its handler against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from provider_support import FAST_RETRY, PROSPECT2_ENV, AnswerLosingTransport, EmulatorControl
from pydantic import ValidationError

from providers.prospect2.client import Prospect2Client
from providers.prospect2.kinds.custom_fields import (
    CustomFieldsHandler,
    CustomFieldsKind,
    CustomFieldSpec,
)

pytestmark = pytest.mark.anyio


def fast_handler(transport: httpx.AsyncBaseTransport) -> CustomFieldsHandler:
    client = Prospect2Client(PROSPECT2_ENV["PROSPECT2_URL"], PROSPECT2_ENV["PROSPECT2_API_TOKEN"],
                             transport, rate_per_second=10_000, retry=FAST_RETRY)
    return CustomFieldsHandler(client)


@pytest.fixture
async def handler(transport: httpx.ASGITransport) -> AsyncIterator[CustomFieldsHandler]:
    fields = fast_handler(transport)
    yield fields
    await fields.client.aclose()


def desired(**manifest: object) -> CustomFieldSpec:
    return CustomFieldsKind().desired("f", CustomFieldSpec.model_validate(manifest))


def test_defaults_fill_perstag_and_wire_defaults() -> None:
    fields = desired(title="Seat location (main)", type="text")
    assert fields.plain() == {"title": "Seat location (main)", "type": "text", "description": "",
                      "perstag": "SEAT_LOCATION__MAIN_", "default": "", "visible": True,
                      "options": [], "lists": "all"}
    assert CustomFieldsKind().key(fields) == "SEAT_LOCATION__MAIN_"
    assert desired(title="x", type="date", perstag="perf_date").perstag == "PERF_DATE"


def test_bad_types_and_perstags_are_refused() -> None:
    with pytest.raises(ValidationError, match="type"):
        CustomFieldSpec.model_validate({"title": "x", "type": "number"})
    with pytest.raises(ValidationError, match="letters, digits and _"):
        CustomFieldSpec.model_validate({"title": "x", "type": "text", "perstag": "A-B"})


def test_options_and_lists_are_checked_for_shape() -> None:
    with pytest.raises(ValidationError, match="the option 'Gold' is listed twice"):
        CustomFieldSpec.model_validate({"title": "x", "type": "radio",
                                        "options": ["Gold", "Gold"]})
    with pytest.raises(ValidationError, match="an option cannot be blank"):
        CustomFieldSpec.model_validate({"title": "x", "type": "radio", "options": [" "]})
    with pytest.raises(ValidationError, match=r"lists is all or a list .* e.g. \[News\]"):
        CustomFieldSpec.model_validate({"title": "x", "type": "text", "lists": "News"})
    named = CustomFieldSpec.model_validate({"title": "x", "type": "text",
                                            "lists": ["News", {"id": 2}]})
    assert named.plain()["lists"] == ["News", {"id": 2}]


def test_type_and_perstag_changes_force_a_replace() -> None:
    kind = CustomFieldsKind()
    live = desired(title="Perf", type="text")
    assert kind.replace_reason(live, desired(title="Perf", type="date")) == "type"
    assert kind.replace_reason(live, desired(title="Perf", type="text", perstag="P")) == "perstag"
    assert kind.replace_reason(live, desired(title="Perf", type="text", description="d")) is None


async def test_create_update_delete_round_trip(handler: CustomFieldsHandler) -> None:
    fields = desired(title="Usher notes", type="textarea", description="Where they sat",
                     default="Stalls", visible=False)
    created = await handler.create(fields)
    assert created.fields == fields.plain()
    assert created.key == "USHER_NOTES"

    changed = fields.model_copy(update={"title": "Usher remarks", "visible": True, "default": ""})
    updated = await handler.update(created, changed)
    assert updated.fields == changed.plain()
    listed = {o.remote_id: o for o in await handler.list()}
    assert listed[created.remote_id].fields == changed.plain()

    await handler.delete(updated)
    assert created.remote_id not in {o.remote_id for o in await handler.list()}


async def test_list_is_one_paged_pass(handler: CustomFieldsHandler,
                                      control: EmulatorControl) -> None:
    before = await control.count("GET /api/3/fields")
    live = await handler.list()
    assert live and all(o.kind == "custom_fields" and o.key for o in live)
    assert await control.count("GET /api/3/fields") - before == 1


async def test_a_lost_create_answer_leaves_one_field(
        transport: httpx.ASGITransport, control: EmulatorControl) -> None:
    losing = AnswerLosingTransport(transport, "/api/3/fields")
    fields = fast_handler(losing)
    try:
        created = await fields.create(desired(title="Perf number", type="text"))
        matching = [o for o in await fields.list() if o.key == "PERF_NUMBER"]
    finally:
        await fields.client.aclose()
    assert losing.lost == 1
    assert [o.remote_id for o in matching] == [created.remote_id]
    assert await control.count("POST /api/3/fields") == 1
