"""``/fieldValues``: contacts' values of custom fields (one value per contact and field).

Writes answer the value with ``contact``, ``field`` and ``owner`` as numbers and the contact
alongside, the description's answer; reads list them as strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from providers.prospect2.emulator.contacts import contact_or_404, contact_wire
from providers.prospect2.emulator.context import now_of, world_of
from providers.prospect2.emulator.shapes import field_value_wire
from providers.prospect2.emulator.wire import (
    ApiError,
    int_field,
    invalid,
    not_found,
    paged,
    path_id,
    wrapped_body,
)
from providers.prospect2.emulator.world import Prospect2World


def _written_wire(row: Mapping[str, Any]) -> dict[str, Any]:
    return {**field_value_wire(row), "contact": row["contact"], "field": row["field"],
            "owner": row["contact"]}


def _target(world: Prospect2World, body: dict[str, Any]) -> tuple[dict[str, Any], int, str]:
    """The contact, field id and value a write names (404 for a missing contact or field,
    422 without a value)."""
    contact_id = int_field(body.get("contact"), "contact")
    field_id = int_field(body.get("field"), "field")
    assert contact_id is not None and field_id is not None
    contact = world.contacts.get(contact_id)
    if contact is None:
        raise ApiError(404, "Not Found", "Contact not found", code="not_found",
                       pointer="/data/attributes/contact")
    if field_id not in world.table("fields"):
        raise ApiError(404, "Not Found", "Field not found", code="not_found",
                       pointer="/data/attributes/field")
    if "value" not in body:
        raise invalid("value", "value is required", title="Missing attribute",
                      code="field_missing")
    value = "" if body["value"] is None else str(body["value"])
    return contact, field_id, value


async def create_field_value(request: Request) -> JSONResponse:
    """Set a contact's value for a field (an existing value is replaced, as AC does); 200."""
    world = world_of(request)
    contact, field_id, value = _target(world, await wrapped_body(request, "fieldValue"))
    row = world.set_field_value(contact["id"], field_id, value, now_of(request))
    return JSONResponse({"contacts": [contact_wire(contact)], "fieldValue": _written_wire(row)})


def _value_or_missing(request: Request, status: int = 404) -> dict[str, Any]:
    value_id = path_id(request, "FieldValue")
    row = world_of(request).table("fieldValues").get(value_id)
    if row is None:
        raise not_found("FieldValue", value_id, status=status)
    return row


async def update_field_value(request: Request) -> JSONResponse:
    """Change one value in place. Naming another contact or field moves it there, unless
    that pair already holds a value (422: one value per contact and field)."""
    row = _value_or_missing(request)
    world = world_of(request)
    contact, field_id, value = _target(world, await wrapped_body(request, "fieldValue"))
    pair = (contact["id"], field_id)
    if pair != (row["contact"], row["field"]):
        if world.field_value(*pair) is not None:
            raise invalid("field", f"contact {pair[0]} already has a value for field "
                          f"{pair[1]}", title="Duplicate field value", code="duplicate")
        world.move_field_value(row["id"], *pair)
    row = world.set_field_value(contact["id"], field_id, value, now_of(request))
    return JSONResponse({"contacts": [contact_wire(contact)], "fieldValue": _written_wire(row)})


async def list_field_values(request: Request) -> JSONResponse:
    rows = sorted(world_of(request).table("fieldValues").values(), key=lambda v: v["id"])
    field = request.query_params.get("filters[fieldid]")
    if field:
        rows = [v for v in rows if str(v["field"]) == field]
    value = request.query_params.get("filters[val]")
    if value is not None:
        rows = [v for v in rows if v["value"] == value]
    return paged(request, "fieldValues", rows, render=field_value_wire)


async def get_field_value(request: Request) -> JSONResponse:
    """A missing value answers 403 with the not-found words, as the description shows."""
    return JSONResponse({"fieldValue": field_value_wire(_value_or_missing(request, 403))})


async def delete_field_value(request: Request) -> JSONResponse:
    row = _value_or_missing(request)
    world_of(request).delete_field_value(row["id"])
    return JSONResponse({})


async def field_values_of_contact(request: Request) -> JSONResponse:
    contact = contact_or_404(request)
    rows = world_of(request).field_values_of(contact["id"])
    return JSONResponse({"fieldValues": [field_value_wire(r) for r in rows],
                         "meta": {"total": str(len(rows))}})


ROUTES = [
    Route("/fieldValues", list_field_values, methods=["GET"]),
    Route("/fieldValues", create_field_value, methods=["POST"]),
    Route("/fieldValues/{id}", get_field_value, methods=["GET"]),
    Route("/fieldValues/{id}", update_field_value, methods=["PUT"]),
    Route("/fieldValues/{id}", delete_field_value, methods=["DELETE"]),
    Route("/contacts/{id}/fieldValues", field_values_of_contact, methods=["GET"]),
]
