"""``/fields``: custom fields, with unique titles and personalization tags (``%PERSTAG%``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from providers.prospect2.emulator.context import now_of, world_of
from providers.prospect2.emulator.field_options import option_wire, options_of
from providers.prospect2.emulator.field_relations import relation_wire, relations_of
from providers.prospect2.emulator.wire import (
    MAX_LIMIT,
    bool_field,
    int_field,
    invalid,
    not_found,
    page_window,
    path_id,
    text_field,
    to_wire,
    wrapped_body,
)
from providers.prospect2.emulator.world import Prospect2World

FIELD_TYPES = ("text", "textarea", "date", "datetime", "dropdown", "listbox", "radio",
               "checkbox", "hidden", "number")
_NOT_PERSTAG = re.compile(r"[^A-Z0-9_]")


def perstag_from(text: str) -> str:
    """``%PERSTAG%`` form: upper case, spaces and punctuation become underscores."""
    return _NOT_PERSTAG.sub("_", text.strip().upper().replace(" ", "_"))


#: Flags and numbers ``GET`` lists as strings and ``PUT`` answers as numbers (both as the
#: description's answers show them).
NUMERIC_ATTRIBUTES = ("isrequired", "show_in_list", "rows", "cols", "visible", "ordernum")


def field_wire(row: Mapping[str, Any], world: Prospect2World, *, numbers: bool = False
               ) -> dict[str, Any]:
    """A field with the ids of its options and list relations (sideloaded alongside)."""
    wire = to_wire(row)
    values = {"isrequired": 0, "show_in_list": 0, "rows": 0, "cols": 0,
              "visible": int(row["visible"]), "ordernum": row["ordernum"]}
    wire.update({k: (v if numbers else str(v)) for k, v in values.items()}, service="",
                options=[str(o["id"]) for o in options_of(world, row["id"])],
                relations=[str(r["id"]) for r in relations_of(world, row["id"])],
                links={"options": f"/api/3/fields/{row['id']}/options",
                       "relations": f"/api/3/fields/{row['id']}/relations"})
    return wire


def sideloads(world: Prospect2World, fields: list[Mapping[str, Any]]) -> dict[str, Any]:
    """``fieldOptions`` and ``fieldRels`` of ``fields``, as ActiveCampaign sideloads them."""
    return {"fieldOptions": [option_wire(o) for f in fields
                             for o in options_of(world, f["id"])],
            "fieldRels": [relation_wire(r) for f in fields
                          for r in relations_of(world, f["id"])]}


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
    world = world_of(request)
    rows = sorted(world.table("fields").values(), key=lambda f: f["id"])
    perstag = request.query_params.get("filters[perstag]")
    if perstag:
        rows = [f for f in rows if f["perstag"] == perstag.upper()]
    offset, limit = page_window(request, default_limit=MAX_LIMIT)
    page = rows[offset:offset + limit]
    return JSONResponse({**sideloads(world, page),
                         "fields": [field_wire(f, world) for f in page],
                         "meta": {"total": str(len(rows))}})


async def get_field(request: Request) -> JSONResponse:
    """The field with its list relations and its options (``?include=options`` asks for
    the options by name; they are always sideloaded)."""
    world = world_of(request)
    row = _field_or_404(request)
    return JSONResponse({**sideloads(world, [row]), "field": field_wire(row, world)})


async def create_field(request: Request) -> JSONResponse:
    changes = _validated(request, await wrapped_body(request, "field"), None)
    world, now = world_of(request), now_of(request)
    changes.setdefault("ordernum", len(world.table("fields")) + 1)
    row = world.insert("fields", {**changes, "cdate": now, "udate": now})
    return JSONResponse({"field": field_wire(row, world)}, status_code=201)


async def update_field(request: Request) -> JSONResponse:
    row = _field_or_404(request)
    row.update(_validated(request, await wrapped_body(request, "field"), row),
               udate=now_of(request))
    return JSONResponse({"field": field_wire(row, world_of(request), numbers=True)})


async def delete_field(request: Request) -> JSONResponse:
    row = _field_or_404(request)
    world_of(request).delete_field(row["id"])
    return JSONResponse({})


ROUTES = [
    Route("/fields", list_fields, methods=["GET"]),
    Route("/fields", create_field, methods=["POST"]),
    Route("/fields/{id}", get_field, methods=["GET"]),
    Route("/fields/{id}", update_field, methods=["PUT"]),
    Route("/fields/{id}", delete_field, methods=["DELETE"]),
]
