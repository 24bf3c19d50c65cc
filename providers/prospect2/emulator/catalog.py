"""Read-mostly resources: lists and subscriptions, automations, campaigns and their recipients."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from providers.prospect2.emulator.contacts import contact_or_404
from providers.prospect2.emulator.context import now_of, world_of
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

#: contactList status: 1 subscribed, 2 unsubscribed (0 unconfirmed is accepted too).
LIST_STATUSES = (0, 1, 2)


def _row_or_404(request: Request, table: str, resource: str) -> dict[str, Any]:
    row_id = path_id(request, resource)
    row = world_of(request).table(table).get(row_id)
    if row is None:
        raise not_found(resource, row_id)
    return row


def _sorted(request: Request, table: str) -> list[dict[str, Any]]:
    return sorted(world_of(request).table(table).values(), key=lambda r: r["id"])


async def list_lists(request: Request) -> JSONResponse:
    rows = _sorted(request, "lists")
    name = request.query_params.get("filters[name]")
    if name:
        rows = [r for r in rows if r["name"].casefold() == name.casefold()]
    return paged(request, "lists", rows)


async def get_list(request: Request) -> JSONResponse:
    return JSONResponse({"list": to_wire(_row_or_404(request, "lists", "_List"))})


async def create_list(request: Request) -> JSONResponse:
    body = await wrapped_body(request, "list")
    name = text_field(body.get("name"), "name", required=True)
    stringid = text_field(body.get("stringid"), "stringid") or name.lower().replace(" ", "-")
    now = now_of(request)
    row = world_of(request).insert("lists", {"name": name, "stringid": stringid, "cdate": now,
                                             "udate": now})
    return JSONResponse({"list": to_wire(row)}, status_code=201)


async def create_contact_list(request: Request) -> JSONResponse:
    """Subscribe (status 1) or unsubscribe (status 2) a contact; repeats update the row."""
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
    return JSONResponse({"contacts": [to_wire(contact)], "contactList": _subscription(row)},
                        status_code=201)


def _subscription(row: Mapping[str, Any]) -> dict[str, Any]:
    return {**to_wire(row), "status": str(row["status"])}


async def lists_of_contact(request: Request) -> JSONResponse:
    contact = contact_or_404(request)
    rows = world_of(request).lists_of(contact["id"])
    return JSONResponse({"contactLists": [_subscription(r) for r in rows]})


async def list_automations(request: Request) -> JSONResponse:
    return paged(request, "automations", _sorted(request, "automations"))


async def get_automation(request: Request) -> JSONResponse:
    return JSONResponse({"automation": to_wire(_row_or_404(request, "automations",
                                                           "Automation"))})


async def list_campaigns(request: Request) -> JSONResponse:
    rows = _sorted(request, "campaigns")
    status = request.query_params.get("filters[status]")
    if status is not None:
        rows = [r for r in rows if r["status"] == status]
    if request.query_params.get("orders[sdate]", "").upper() == "DESC":
        rows.sort(key=lambda r: r["sdate"] or "", reverse=True)
    return paged(request, "campaigns", rows)


async def get_campaign(request: Request) -> JSONResponse:
    return JSONResponse({"campaign": to_wire(_row_or_404(request, "campaigns", "Campaign"))})


async def campaign_recipients(request: Request) -> JSONResponse:
    """Who a sent campaign went to (Part B): ``contact, email, sentAt``, paged."""
    campaign = _row_or_404(request, "campaigns", "Campaign")
    rows = world_of(request).recipients.get(campaign["id"], [])
    return paged(request, "recipients",
                 ({"contact": c, "email": e, "sentAt": s} for c, e, s in rows), len(rows))


ROUTES = [
    Route("/lists", list_lists, methods=["GET"]),
    Route("/lists", create_list, methods=["POST"]),
    Route("/lists/{id}", get_list, methods=["GET"]),
    Route("/contactLists", create_contact_list, methods=["POST"]),
    Route("/contacts/{id}/contactLists", lists_of_contact, methods=["GET"]),
    Route("/automations", list_automations, methods=["GET"]),
    Route("/automations/{id}", get_automation, methods=["GET"]),
    Route("/campaigns", list_campaigns, methods=["GET"]),
    Route("/campaigns/{id}", get_campaign, methods=["GET"]),
    Route("/campaigns/{id}/recipients", campaign_recipients, methods=["GET"]),
]
