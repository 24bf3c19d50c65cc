"""``/lists``, ``/contactLists`` and ``/listGroups``: consent lists and who is on them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from providers.prospect2.emulator.contacts import contact_or_404, contact_wire
from providers.prospect2.emulator.context import now_of, world_of
from providers.prospect2.emulator.name_filters import filter_by_name
from providers.prospect2.emulator.shapes import subscription_wire
from providers.prospect2.emulator.wire import (
    ApiError,
    bool_field,
    int_field,
    invalid,
    not_found,
    paged,
    path_id,
    text_field,
    timestamps,
    to_wire,
    wrapped_body,
)

#: contactList status: 1 subscribed, 2 unsubscribed (0 unconfirmed is accepted too).
LIST_STATUSES = (0, 1, 2)
#: Sender settings every list carries; POST /lists requires the first two (description).
SENDER_FIELDS = ("sender_url", "sender_reminder", "carboncopy", "subscription_notify",
                 "unsubscription_notify")
#: The account's one user (``GET /users/me``) owns every list and belongs to group 1.
ACCOUNT_USER = 1


def list_wire(row: Mapping[str, Any]) -> dict[str, Any]:
    wire = to_wire(row)
    wire.update({name: row.get(name) or "" for name in SENDER_FIELDS})
    wire.update(timestamps(row), userid=str(ACCOUNT_USER), user=str(ACCOUNT_USER),
                send_last_broadcast=str(int(row.get("send_last_broadcast", False))),
                channel=row.get("channel", "email"), private="0", deletestamp=None,
                links={name: f"/api/3/lists/{row['id']}/{name}"
                       for name in ("contactGoalLists", "user", "addressLists")})
    return wire


def _list_or_404(request: Request, *, status: int = 404) -> dict[str, Any]:
    list_id = path_id(request, "_List")
    row = world_of(request).table("lists").get(list_id)
    if row is None:
        raise not_found("_List", list_id, status=status)
    return row


def _validated(body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """POST requires name, stringid, sender_url and sender_reminder (400 without them)."""
    changes: dict[str, Any] = {}
    for name in ("name", "stringid", "sender_url", "sender_reminder"):
        if current is None or name in body:
            value = body.get(name)
            if not isinstance(value, str) or not value.strip():
                raise ApiError(400, "Missing attribute", f"{name} is required",
                               code="field_missing", pointer=f"/data/attributes/{name}")
            changes[name] = text_field(value, name).strip()
    for name in SENDER_FIELDS[2:]:
        if name in body:
            changes[name] = text_field(body[name], name)
    if "send_last_broadcast" in body:
        changes["send_last_broadcast"] = bool_field(body["send_last_broadcast"],
                                                    "send_last_broadcast")
    if "channel" in body:
        changes["channel"] = text_field(body["channel"], "channel") or "email"
    return changes


async def list_lists(request: Request) -> JSONResponse:
    rows = sorted(world_of(request).table("lists").values(), key=lambda r: r["id"])
    rows = filter_by_name(rows, request.query_params, param="name", column="name")
    return paged(request, "lists", rows, render=list_wire)


async def get_list(request: Request) -> JSONResponse:
    return JSONResponse({"list": list_wire(_list_or_404(request))})


async def create_list(request: Request) -> JSONResponse:
    """200, not 201: ActiveCampaign's description of ``POST /lists`` says so."""
    changes = _validated(await wrapped_body(request, "list"), None)
    now = now_of(request)
    row = world_of(request).insert("lists", {**changes, "cdate": now, "udate": now})
    return JSONResponse({"list": list_wire(row)})


async def update_list(request: Request) -> JSONResponse:
    row = _list_or_404(request)
    row.update(_validated(await wrapped_body(request, "list"), row), udate=now_of(request))
    return JSONResponse({"list": list_wire(row)})


async def delete_list(request: Request) -> JSONResponse:
    """A missing list answers 403 with the not-found words, as the description shows."""
    row = _list_or_404(request, status=403)
    world_of(request).delete_list(row["id"])
    return JSONResponse({})


async def create_contact_list(request: Request) -> JSONResponse:
    """Subscribe (status 1) or unsubscribe (status 2) a contact; repeats update the row.

    200 with ``status`` as a number, as the description's answer has it."""
    body = await wrapped_body(request, "contactList")
    world = world_of(request)
    contact_id = int_field(body.get("contact"), "contact")
    list_id = int_field(body.get("list"), "list")
    status = int_field(body.get("status"), "status")
    assert contact_id is not None and list_id is not None and status is not None
    contact = world.contacts.get(contact_id)
    if contact is None:
        raise ApiError(404, "Not Found", "Contact not found", code="not_found",
                       pointer="/data/attributes/contact")
    if list_id not in world.table("lists"):
        raise ApiError(404, "Not Found", "List not found", code="not_found",
                       pointer="/data/attributes/list")
    if status not in LIST_STATUSES:
        raise invalid("status", "status must be 1 (subscribed) or 2 (unsubscribed)")
    row = world.subscribe(contact_id, list_id, status, now_of(request))
    return JSONResponse({"contacts": [contact_wire(contact)],
                         "contactList": {**subscription_wire(row), "status": row["status"]}})


async def list_contact_lists(request: Request) -> JSONResponse:
    """Every subscription, filterable by ``filters[list|contact|status]``."""
    rows = sorted(world_of(request).table("contactLists").values(), key=lambda r: r["id"])
    for name in ("list", "contact", "status"):
        wanted = request.query_params.get(f"filters[{name}]")
        if wanted is not None:
            rows = [r for r in rows if str(r[name]) == wanted]
    return paged(request, "contactLists", rows, render=subscription_wire)


async def get_contact_list(request: Request) -> JSONResponse:
    row_id = path_id(request, "SubscriberList")
    row = world_of(request).table("contactLists").get(row_id)
    if row is None:
        raise not_found("SubscriberList", row_id)
    return JSONResponse({"contactList": subscription_wire(row)})


async def lists_of_contact(request: Request) -> JSONResponse:
    contact = contact_or_404(request)
    rows = world_of(request).lists_of(contact["id"])
    return JSONResponse({"contactLists": [subscription_wire(r) for r in rows]})


def _group_wire(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"list": row["list"], "group": row["group"], "id": str(row["id"]),
            "links": {"list": f"/api/3/listGroups/{row['id']}/list",
                      "group": f"/api/3/listGroups/{row['id']}/group"}}


async def create_list_group(request: Request) -> JSONResponse:
    """A user group's permission on a list; ``list`` and ``group`` answer as numbers."""
    body = await wrapped_body(request, "listGroup")
    list_id = int_field(body.get("listid"), "listid")
    group_id = int_field(body.get("groupid"), "groupid")
    world = world_of(request)
    if list_id not in world.table("lists"):
        raise invalid("listid", f"no list with id {list_id}")
    existing = next((r for r in world.table("listGroups").values()
                     if r["list"] == list_id and r["group"] == group_id), None)
    row = existing or world.insert("listGroups", {"list": list_id, "group": group_id})
    return JSONResponse({"listGroup": _group_wire(row)}, status_code=201)


async def list_list_groups(request: Request) -> JSONResponse:
    rows = sorted(world_of(request).table("listGroups").values(), key=lambda r: r["id"])
    return paged(request, "listGroups", rows,
                 render=lambda r: {**_group_wire(r), "list": str(r["list"]),
                                   "group": str(r["group"])})


ROUTES = [
    Route("/lists", list_lists, methods=["GET"]),
    Route("/lists", create_list, methods=["POST"]),
    Route("/lists/{id}", get_list, methods=["GET"]),
    Route("/lists/{id}", update_list, methods=["PUT"]),
    Route("/lists/{id}", delete_list, methods=["DELETE"]),
    Route("/contactLists", list_contact_lists, methods=["GET"]),
    Route("/contactLists", create_contact_list, methods=["POST"]),
    Route("/contactLists/{id}", get_contact_list, methods=["GET"]),
    Route("/contacts/{id}/contactLists", lists_of_contact, methods=["GET"]),
    Route("/listGroups", list_list_groups, methods=["GET"]),
    Route("/listGroups", create_list_group, methods=["POST"]),
]
