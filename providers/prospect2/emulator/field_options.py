"""``/fieldOption/bulk`` and a field's options: the choices of a dropdown, listbox, radio or
checkbox field, in their ``orderid`` order.

The bulk create is all or nothing: one bad option refuses the request (422, whose ``errors``
is a sentence, not a list: the description's own answer) and nothing is stored.

``DELETE /fieldOptions/{id}`` removes one option. ActiveCampaign's OpenAPI file lacks it; its
reference page "Delete a field option" (developers.activecampaign.com/reference/
delete-a-custom-field-option) describes it: the id is an option's, 404 when none has it, and
contacts keep a value that was the deleted option. ActiveCampaign documents no way to change
an option in place, so neither does the emulator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from providers.prospect2.emulator.context import now_of, world_of
from providers.prospect2.emulator.wire import json_body, not_found, path_id
from providers.prospect2.emulator.world import Prospect2World

#: Field types whose values are chosen from options.
OPTION_TYPES = ("dropdown", "listbox", "radio", "checkbox")


class BulkRefused(Exception):
    """A bulk request that failed validation; the message is ActiveCampaign's sentence."""


def option_wire(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"field": str(row["field"]), "label": row["label"], "value": row["value"],
            "orderid": row["orderid"], "isdefault": int(row["isdefault"]),
            "cdate": row["cdate"], "udate": row["udate"], "id": str(row["id"]),
            "links": {"field": f"/api/3/fieldOptions/{row['id']}/field"}}


def options_of(world: Prospect2World, field_id: int) -> list[dict[str, Any]]:
    rows = (r for r in world.table("fieldOptions").values() if r["field"] == field_id)
    return sorted(rows, key=lambda r: (r["orderid"], r["id"]))


def _validated(world: Prospect2World, body: dict[str, Any]) -> list[dict[str, Any]]:
    items = body.get("fieldOptions")
    if not isinstance(items, list) or not items:
        raise BulkRefused("Bulk operation failed. Request must contain an array of "
                          "fieldOption objects.")
    seen: set[tuple[int, str]] = set()
    options = []
    for index, item in enumerate(items):
        where = f"Bulk operation failed. fieldOptions[{index}]"
        if not isinstance(item, dict):
            raise BulkRefused(f"{where} must be an object.")
        field_id = item.get("field")
        if isinstance(field_id, str) and field_id.isdigit():
            field_id = int(field_id)
        field = (world.table("fields").get(field_id)
                 if isinstance(field_id, int) and not isinstance(field_id, bool) else None)
        if field is None:
            raise BulkRefused(f"{where}: no custom field with id {item.get('field')!r}.")
        if field["type"] not in OPTION_TYPES:
            raise BulkRefused(f"{where}: field {field_id} is a {field['type']} field, which "
                              f"takes no options ({', '.join(OPTION_TYPES)} do).")
        value = item.get("value")
        if not isinstance(value, str) or not value.strip():
            raise BulkRefused(f"{where}: value is required.")
        key = (field_id, value)
        if key in seen or any(o["value"] == value for o in options_of(world, field_id)):
            raise BulkRefused(f"{where}: field {field_id} already has the option {value!r}.")
        seen.add(key)
        label = item.get("label", value)
        orderid = item.get("orderid", 0)
        if not isinstance(label, str) or isinstance(orderid, bool) or not isinstance(
                orderid, int):
            raise BulkRefused(f"{where}: label must be text and orderid a number.")
        options.append({"field": field_id, "label": label, "value": value,
                        "orderid": orderid, "isdefault": item.get("isdefault") in (
                            True, 1, "1", "true")})
    return options


async def create_options(request: Request) -> JSONResponse:
    world, now = world_of(request), now_of(request)
    try:
        options = _validated(world, await json_body(request))
    except BulkRefused as refused:
        return JSONResponse({"errors": str(refused), "message": str(refused)},
                            status_code=422)
    created = [world.insert("fieldOptions", {**option, "cdate": now, "udate": now})
               for option in options]
    return JSONResponse({"fieldOptions": [option_wire(r) for r in created]}, status_code=201)


async def options_of_field(request: Request) -> JSONResponse:
    field_id = path_id(request, "Field")
    world = world_of(request)
    if field_id not in world.table("fields"):
        raise not_found("Field", field_id)
    rows = options_of(world, field_id)
    return JSONResponse({"fieldOptions": [option_wire(r) for r in rows],
                         "meta": {"total": str(len(rows))}})


async def delete_option(request: Request) -> JSONResponse:
    """One option goes; contacts' values stay as they are (values are text, not option ids)."""
    option_id = path_id(request, "FieldOption")
    world = world_of(request)
    if world.table("fieldOptions").pop(option_id, None) is None:
        raise not_found("FieldOption", option_id)
    return JSONResponse({})


ROUTES = [
    Route("/fieldOption/bulk", create_options, methods=["POST"]),
    Route("/fieldOptions/{id}", delete_option, methods=["DELETE"]),
    Route("/fields/{id}/options", options_of_field, methods=["GET"]),
]
