"""``/fields`` and ``/fieldValues``: custom fields (with unique personalization tags) and values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from providers.prospect2.emulator.contacts import contact_or_404
from providers.prospect2.emulator.context import now_of, world_of
from providers.prospect2.emulator.wire import (
    ApiError,
    bool_field,
    int_field,
    invalid,
    not_found,
    paged,
    path_id,
    text_field,
    to_wire,
    wrapped_body,
)

FIELD_TYPES = ("text", "textarea", "date", "datetime", "dropdown", "listbox", "radio",
               "checkbox", "hidden", "number")
_NOT_PERSTAG = re.compile(r"[^A-Z0-9_]")


def perstag_from(text: str) -> str:
    """``%PERSTAG%`` form: upper case, spaces and punctuation become underscores."""
    return _NOT_PERSTAG.sub("_", text.strip().upper().replace(" ", "_"))


def field_wire(row: Mapping[str, Any]) -> dict[str, Any]:
    wire = to_wire(row)
    wire.update(visible=str(int(row["visible"])), ordernum=str(row["ordernum"]),
                isrequired="0", options=[], relations=[],
                links={"options": f"/api/3/fields/{row['id']}/options",
                       "relations": f"/api/3/fields/{row['id']}/relations"})
    return wire


def _field_or_404(request: Request) -> dict[str, Any]:
    field_id = path_id(request, "Field")
    row = world_of(request).table("fields").get(field_id)
    if row is None:
        raise not_found("Field", field_id)
    return row


def _validated(request: Request, body: dict[str, Any], current: dict[str, Any] | None
               ) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    own_id = current["id"] if current else None
    fields = world_of(request).table("fields").values()
    if current is None or "title" in body:
        title = text_field(body.get("title"), "title", required=True).strip()
        clash = next((f for f in fields if f["title"].casefold() == title.casefold()
                      and f["id"] != own_id), None)
        if clash is not None:
            raise invalid("title", f"There is already a field named {title!r} -- choose "
                          "another name", title="There is already a field with this title",
                          code="duplicate")
        changes["title"] = title
    if current is None or "type" in body:
        kind = body.get("type")
        if kind not in FIELD_TYPES:
            raise invalid("type", f"type must be one of {', '.join(FIELD_TYPES)}, not {kind!r}",
                          title="Invalid field type")
        changes["type"] = kind
    if current is None or "perstag" in body:
        perstag = perstag_from(text_field(body.get("perstag"), "perstag")
                               or changes.get("title", ""))
        if not perstag.strip("_"):
            raise invalid("perstag", "perstag needs at least one letter or digit")
        clash = next((f for f in fields if f["perstag"] == perstag and f["id"] != own_id),
                     None)
        if clash is not None:
            raise invalid("perstag", f"the personalization tag %{perstag}% is already used by "
                          f"field {clash['id']}", title="Duplicate perstag", code="duplicate")
        changes["perstag"] = perstag
    for name in ("descript", "defval"):
        if current is None or name in body:
            changes[name] = text_field(body.get(name), name, max_length=4000)
    if current is None or "visible" in body:
        changes["visible"] = int(bool_field(body.get("visible", 1), "visible"))
    if "ordernum" in body:
        changes["ordernum"] = int_field(body["ordernum"], "ordernum")
    return changes


async def list_fields(request: Request) -> JSONResponse:
    rows = sorted(world_of(request).table("fields").values(), key=lambda f: f["id"])
    perstag = request.query_params.get("filters[perstag]")
    if perstag:
        rows = [f for f in rows if f["perstag"] == perstag.upper()]
    return paged(request, "fields", rows, render=field_wire, fieldOptions=[], fieldRels=[])


async def get_field(request: Request) -> JSONResponse:
    return JSONResponse({"fieldOptions": [], "fieldRels": [],
                         "field": field_wire(_field_or_404(request))})


async def create_field(request: Request) -> JSONResponse:
    changes = _validated(request, await wrapped_body(request, "field"), None)
    world, now = world_of(request), now_of(request)
    changes.setdefault("ordernum", len(world.table("fields")) + 1)
    row = world.insert("fields", {**changes, "cdate": now, "udate": now})
    return JSONResponse({"field": field_wire(row)}, status_code=201)


async def update_field(request: Request) -> JSONResponse:
    row = _field_or_404(request)
    row.update(_validated(request, await wrapped_body(request, "field"), row),
               udate=now_of(request))
    return JSONResponse({"field": field_wire(row)})


async def delete_field(request: Request) -> JSONResponse:
    row = _field_or_404(request)
    world_of(request).delete_field(row["id"])
    return JSONResponse({})


async def create_field_value(request: Request) -> JSONResponse:
    """Set a contact's value for a field (an existing value is replaced, as AC does)."""
    body = await wrapped_body(request, "fieldValue")
    world = world_of(request)
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
    row = world.set_field_value(contact_id, field_id, value, now_of(request))
    return JSONResponse({"contacts": [to_wire(contact)], "fieldValue": _value_wire(row)})


def _value_wire(row: Mapping[str, Any]) -> dict[str, Any]:
    return {**to_wire(row), "owner": str(row["contact"])}


async def list_field_values(request: Request) -> JSONResponse:
    rows = sorted(world_of(request).table("fieldValues").values(), key=lambda v: v["id"])
    field = request.query_params.get("filters[fieldid]")
    if field:
        rows = [v for v in rows if str(v["field"]) == field]
    value = request.query_params.get("filters[val]")
    if value is not None:
        rows = [v for v in rows if v["value"] == value]
    return paged(request, "fieldValues", rows, render=_value_wire)


def _value_or_404(request: Request) -> dict[str, Any]:
    value_id = path_id(request, "FieldValue")
    row = world_of(request).table("fieldValues").get(value_id)
    if row is None:
        raise not_found("FieldValue", value_id)
    return row


async def get_field_value(request: Request) -> JSONResponse:
    return JSONResponse({"fieldValue": _value_wire(_value_or_404(request))})


async def delete_field_value(request: Request) -> JSONResponse:
    row = _value_or_404(request)
    world_of(request).delete_field_value(row["id"])
    return JSONResponse({})


async def field_values_of_contact(request: Request) -> JSONResponse:
    contact = contact_or_404(request)
    rows = world_of(request).field_values_of(contact["id"])
    return JSONResponse({"fieldValues": [_value_wire(r) for r in rows],
                         "meta": {"total": str(len(rows))}})


ROUTES = [
    Route("/fields", list_fields, methods=["GET"]),
    Route("/fields", create_field, methods=["POST"]),
    Route("/fields/{id}", get_field, methods=["GET"]),
    Route("/fields/{id}", update_field, methods=["PUT"]),
    Route("/fields/{id}", delete_field, methods=["DELETE"]),
    Route("/fieldValues", list_field_values, methods=["GET"]),
    Route("/fieldValues", create_field_value, methods=["POST"]),
    Route("/fieldValues/{id}", get_field_value, methods=["GET"]),
    Route("/fieldValues/{id}", delete_field_value, methods=["DELETE"]),
    Route("/contacts/{id}/fieldValues", field_values_of_contact, methods=["GET"]),
]
