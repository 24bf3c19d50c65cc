"""``/tags`` and ``/contactTags``: tag definitions and their association with contacts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from providers.prospect2.emulator.context import now_of, world_of
from providers.prospect2.emulator.name_filters import filter_by_name
from providers.prospect2.emulator.wire import (
    ApiError,
    int_field,
    invalid,
    not_found,
    paged,
    path_id,
    text_field,
    to_wire,
    wrapped_body,
)

TAG_TYPES = ("contact", "template")


def tag_wire(row: Mapping[str, Any], *, subscriber_count: int | None = None) -> dict[str, Any]:
    wire = to_wire(row)
    wire.setdefault("tessituraPurposeId", None)  # Part B: the tag's integrated purpose
    wire["links"] = {"contactGoalTags": f"/api/3/tags/{row['id']}/contactGoalTags"}
    if subscriber_count is not None:
        wire["subscriber_count"] = str(subscriber_count)
    return wire


def _tag_or_404(request: Request) -> dict[str, Any]:
    tag_id = path_id(request, "Tag")
    row = world_of(request).table("tags").get(tag_id)
    if row is None:
        raise not_found("Tag", tag_id)
    return row


def _validated(body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if current is None or "tag" in body:
        changes["tag"] = text_field(body.get("tag"), "tag", required=True).strip()
    if current is None or "tagType" in body:
        tag_type = body.get("tagType") or "contact"
        if tag_type not in TAG_TYPES:
            raise invalid("tagType", f"tagType must be one of {', '.join(TAG_TYPES)}")
        changes["tagType"] = tag_type
    if current is None or "description" in body:
        changes["description"] = text_field(body.get("description"), "description",
                                            max_length=1000)
    if current is None or "tessituraPurposeId" in body:
        changes["tessituraPurposeId"] = int_field(body.get("tessituraPurposeId"),
                                                  "tessituraPurposeId", required=False)
    return changes


def _refuse_duplicate_name(request: Request, name: str, own_id: int | None) -> None:
    existing = world_of(request).tag_by_name(name)
    if existing is not None and existing["id"] != own_id:
        raise invalid("tag", f"a tag named {existing['tag']!r} already exists "
                      f"(id {existing['id']})", title="Duplicate tag", code="duplicate")


async def list_tags(request: Request) -> JSONResponse:
    rows = sorted(world_of(request).table("tags").values(), key=lambda t: t["id"])
    search = request.query_params.get("search")
    if search:
        rows = [t for t in rows if search.casefold() in t["tag"].casefold()]
    rows = filter_by_name(rows, request.query_params, param="search", column="tag")
    return paged(request, "tags", rows, render=tag_wire)


async def get_tag(request: Request) -> JSONResponse:
    row = _tag_or_404(request)
    count = len(world_of(request).contacts_with_tag(row["id"]))
    return JSONResponse({"tag": tag_wire(row, subscriber_count=count)})


async def create_tag(request: Request) -> JSONResponse:
    changes = _validated(await wrapped_body(request, "tag"), None)
    _refuse_duplicate_name(request, changes["tag"], None)
    row = world_of(request).insert("tags", {**changes, "cdate": now_of(request)})
    return JSONResponse({"tag": tag_wire(row)}, status_code=201)


async def update_tag(request: Request) -> JSONResponse:
    row = _tag_or_404(request)
    changes = _validated(await wrapped_body(request, "tag"), row)
    if "tag" in changes:
        _refuse_duplicate_name(request, changes["tag"], row["id"])
    row.update(changes)
    return JSONResponse({"tag": tag_wire(row)})


async def delete_tag(request: Request) -> JSONResponse:
    row = _tag_or_404(request)
    world_of(request).delete_tag(row["id"])
    return JSONResponse({})


def contact_tag_wire(row: Mapping[str, Any]) -> dict[str, Any]:
    wire = to_wire(row)
    wire.setdefault("tessituraPurposeId", None)  # Part B: the tag's integrated purpose
    wire["links"] = {"contact": f"/api/3/contactTags/{row['id']}/contact",
                     "tag": f"/api/3/contactTags/{row['id']}/tag"}
    return wire


async def create_contact_tag(request: Request) -> JSONResponse:
    body = await wrapped_body(request, "contactTag")
    world = world_of(request)
    contact_id = int_field(body.get("contact"), "contact")
    tag_id = int_field(body.get("tag"), "tag")
    assert contact_id is not None and tag_id is not None
    if world.contacts.get(contact_id) is None:
        raise ApiError(404, "Not Found", "Contact not found", code="not_found",
                       pointer="/data/attributes/contact")
    if tag_id not in world.table("tags"):
        raise ApiError(404, "Not Found", "Tag not found", code="not_found",
                       pointer="/data/attributes/tag")
    row = world.tag_contact(contact_id, tag_id, now_of(request))
    return JSONResponse({"contactTag": contact_tag_wire(row)}, status_code=201)


async def delete_contact_tag(request: Request) -> JSONResponse:
    assoc_id = path_id(request, "SubscriberTag")
    world = world_of(request)
    if assoc_id not in world.table("contactTags"):
        raise not_found("SubscriberTag", assoc_id)
    world.untag(assoc_id)
    return JSONResponse({})


async def contact_tags_of_contact(request: Request) -> JSONResponse:
    contact_id = path_id(request, "Subscriber")
    world = world_of(request)
    if world.contacts.get(contact_id) is None:
        raise not_found("Subscriber", contact_id)
    rows = world.contact_tags_of(contact_id)
    return JSONResponse({"contactTags": [contact_tag_wire(r) for r in rows],
                         "meta": {"total": str(len(rows))}})


ROUTES = [
    Route("/tags", list_tags, methods=["GET"]),
    Route("/tags", create_tag, methods=["POST"]),
    Route("/tags/{id}", get_tag, methods=["GET"]),
    Route("/tags/{id}", update_tag, methods=["PUT"]),
    Route("/tags/{id}", delete_tag, methods=["DELETE"]),
    Route("/contactTags", create_contact_tag, methods=["POST"]),
    Route("/contactTags/{id}", delete_contact_tag, methods=["DELETE"]),
    Route("/contacts/{id}/contactTags", contact_tags_of_contact, methods=["GET"]),
]
