"""``/fieldRels``: the lists a custom field belongs to (``relid`` a list id, 0 all lists).

A field created through the API belongs to no list until a relation is added; ActiveCampaign
shows it on a list's forms and contact pages only then.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from providers.prospect2.emulator.context import now_of, world_of
from providers.prospect2.emulator.wire import (
    int_field,
    invalid,
    not_found,
    paged,
    path_id,
    wrapped_body,
)
from providers.prospect2.emulator.world import Prospect2World

ALL_LISTS = 0


def relation_wire(row: Mapping[str, Any]) -> dict[str, Any]:
    """As listed (``GET /fields/{id}``, ``GET /fieldRels``): every value a string."""
    return {"field": str(row["field"]), "relid": str(row["relid"]),
            "dorder": str(row.get("dorder", 0)), "cdate": row["cdate"], "links": [],
            "id": str(row["id"])}


def relations_of(world: Prospect2World, field_id: int) -> list[dict[str, Any]]:
    rows = (r for r in world.table("fieldRels").values() if r["field"] == field_id)
    return sorted(rows, key=lambda r: r["id"])


def _relation_or_404(request: Request) -> dict[str, Any]:
    rel_id = path_id(request, "FieldRel", "fieldRelId")
    row = world_of(request).table("fieldRels").get(rel_id)
    if row is None:
        raise not_found("FieldRel", rel_id)
    return row


async def create_relation(request: Request) -> JSONResponse:
    """201 with ``field`` and ``relid`` as numbers (the description's answer); relating a
    field to a list it already belongs to answers the existing relation."""
    body = await wrapped_body(request, "fieldRel")
    world = world_of(request)
    field_id = int_field(body.get("field"), "field")
    relid = int_field(body.get("relid"), "relid")
    if field_id not in world.table("fields"):
        raise invalid("field", f"no custom field with id {field_id}")
    if relid != ALL_LISTS and relid not in world.table("lists"):
        raise invalid("relid", f"no list with id {relid} (0 means all lists)")
    row = next((r for r in relations_of(world, field_id) if r["relid"] == relid), None)
    if row is None:
        row = world.insert("fieldRels", {"field": field_id, "relid": relid, "dorder": 0,
                                         "cdate": now_of(request)})
    return JSONResponse({"fieldRel": {"relid": relid, "field": field_id, "cdate": row["cdate"],
                                      "links": [], "id": str(row["id"])}}, status_code=201)


async def list_relations(request: Request) -> JSONResponse:
    """Every relation, filterable by ``filters[field]`` and ``filters[relid]``."""
    rows = sorted(world_of(request).table("fieldRels").values(), key=lambda r: r["id"])
    for name in ("field", "relid"):
        wanted = request.query_params.get(f"filters[{name}]")
        if wanted is not None:
            rows = [r for r in rows if str(r[name]) == wanted]
    return paged(request, "fieldRels", rows, render=relation_wire)


async def get_relation(request: Request) -> JSONResponse:
    return JSONResponse({"fieldRel": relation_wire(_relation_or_404(request))})


async def delete_relation(request: Request) -> JSONResponse:
    row = _relation_or_404(request)
    del world_of(request).table("fieldRels")[row["id"]]
    return JSONResponse({})


ROUTES = [
    Route("/fieldRels", list_relations, methods=["GET"]),
    Route("/fieldRels", create_relation, methods=["POST"]),
    Route("/fieldRels/{fieldRelId}", get_relation, methods=["GET"]),
    Route("/fieldRels/{fieldRelId}", delete_relation, methods=["DELETE"]),
]
