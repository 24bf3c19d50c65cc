"""``/contacts`` and ``/contact/sync``: the people in the account, found by id or email."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from itertools import islice
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from providers.prospect2.emulator.contact_query import query_contacts
from providers.prospect2.emulator.context import now_of, world_of
from providers.prospect2.emulator.shapes import (
    contact_automation_wire,
    field_value_wire,
    subscription_wire,
)
from providers.prospect2.emulator.tags import contact_tag_wire
from providers.prospect2.emulator.wire import (
    ApiError,
    int_field,
    invalid,
    not_found,
    page_window,
    paged,
    path_id,
    text_field,
    timestamps,
    to_wire,
    wrapped_body,
)
from providers.prospect2.emulator.world import Prospect2World

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def valid_email(value: Any, attribute: str = "email") -> str:
    email = text_field(value, attribute, required=True).strip()
    if not EMAIL.match(email):
        raise invalid(attribute, f"{email!r} is not a valid email address",
                      title="Invalid email address", code="email_invalid")
    return email


def contact_or_404(request: Request) -> dict[str, Any]:
    contact_id = path_id(request, "Subscriber")
    row = world_of(request).contacts.get(contact_id)
    if row is None:
        raise not_found("Subscriber", contact_id)
    return row


def _validated(body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if current is None or "email" in body:
        changes["email"] = valid_email(body.get("email"))
    for name in ("firstName", "lastName", "phone"):
        if name in body or current is None:
            changes[name] = text_field(body.get(name), name)
    return changes


def _refuse_duplicate_email(world: Prospect2World, email: str, own_id: int | None) -> None:
    existing = world.contacts.by_email(email)
    if existing is not None and existing["id"] != own_id:
        raise invalid("email", f"{email} belongs to contact {existing['id']}",
                      title="Email address already exists in the system", code="duplicate")


def _apply_field_values(world: Prospect2World, contact_id: int, body: dict[str, Any],
                        now: str) -> list[dict[str, Any]]:
    values = body.get("fieldValues") or []
    if not isinstance(values, list):
        raise invalid("fieldValues", "fieldValues must be a list of {field, value}")
    written = []
    for index, item in enumerate(values):
        if not isinstance(item, dict):
            raise invalid(f"fieldValues/{index}", "each field value must be {field, value}")
        field_id = int_field(item.get("field"), f"fieldValues/{index}/field")
        assert field_id is not None
        if field_id not in world.table("fields"):
            raise invalid(f"fieldValues/{index}/field", f"no custom field with id {field_id}")
        value = "" if item.get("value") is None else str(item["value"])
        written.append(world.set_field_value(contact_id, field_id, value, now))
    return written


def store_contact(world: Prospect2World, current: dict[str, Any] | None,
                  changes: dict[str, Any], now: str) -> dict[str, Any]:
    """Create (``current`` None) or change a contact; seeded contacts become stored ones."""
    if current is None:
        row = {"id": world.contacts.next_id(), "email": "", "firstName": "", "lastName": "",
               "phone": "", "cdate": now}
    else:
        row = dict(current)
    row.update(changes, udate=now)
    return world.contacts.put(row)


def contact_wire(row: Mapping[str, Any]) -> dict[str, Any]:
    """A contact as ActiveCampaign shows one: ids as strings, its dates also as the
    ``*_timestamp`` fields incremental readers page on, and links to its associations."""
    wire = to_wire(row)
    stamps = timestamps(row)
    wire.update(stamps, created_utc_timestamp=stamps["created_timestamp"],
                updated_utc_timestamp=stamps["updated_timestamp"], orgid="0", deleted="0",
                links={name: f"/api/3/contacts/{row['id']}/{name}" for name in (
                    "contactAutomations", "contactLists", "contactTags", "fieldValues")})
    return wire


async def list_contacts(request: Request) -> JSONResponse:
    world = world_of(request)
    rows, total = query_contacts(world, request.query_params, request.method,
                                 request.url.path)
    return _contacts_page(request, world, rows, total)


def _contacts_page(request: Request, world: Prospect2World, rows: Iterable[dict[str, Any]],
                   total: int | None) -> JSONResponse:
    """One page of contacts; ``include=contactTags`` sideloads the page's tag associations
    (ActiveCampaign's sideloading), so a tag's members and their association ids, which a
    removal needs, cost one request per 100 contacts instead of one per contact."""
    included = {name.strip() for name in request.query_params.get("include", "").split(",")}
    if "contactTags" not in included:
        return paged(request, "contacts", rows, total, render=contact_wire)
    offset, limit = page_window(request)
    if total is None:
        everything = list(rows)
        total, page = len(everything), everything[offset:offset + limit]
    else:
        page = list(islice(rows, offset, offset + limit))
    sideloaded = [contact_tag_wire(assoc) for row in page
                  for assoc in world.contact_tags_of(row["id"])]
    return JSONResponse({"contacts": [contact_wire(row) for row in page],
                         "contactTags": sideloaded, "meta": {"total": str(total)}})


async def get_contact(request: Request) -> JSONResponse:
    row = contact_or_404(request)
    world = world_of(request)
    automations = sorted((r for r in world.table("contactAutomations").values()
                          if r["contact"] == row["id"]), key=lambda r: r["id"])
    return JSONResponse({
        "contact": contact_wire(row),
        "contactAutomations": [contact_automation_wire(r) for r in automations],
        "contactLists": [subscription_wire(r) for r in world.lists_of(row["id"])],
        "contactTags": [to_wire(r) for r in world.contact_tags_of(row["id"])],
        "fieldValues": [field_value_wire(r) for r in world.field_values_of(row["id"])],
    })


async def create_contact(request: Request) -> JSONResponse:
    body = await wrapped_body(request, "contact")
    world, now = world_of(request), now_of(request)
    changes = _validated(body, None)
    _refuse_duplicate_email(world, changes["email"], None)
    row = store_contact(world, None, changes, now)
    values = _apply_field_values(world, row["id"], body, now)
    return JSONResponse({"contact": contact_wire(row),
                         "fieldValues": [field_value_wire(v) for v in values]}, status_code=201)


async def update_contact(request: Request) -> JSONResponse:
    current = contact_or_404(request)
    body = await wrapped_body(request, "contact")
    world, now = world_of(request), now_of(request)
    changes = _validated(body, current)
    if "email" in changes:
        _refuse_duplicate_email(world, changes["email"], current["id"])
    row = store_contact(world, current, changes, now)
    values = _apply_field_values(world, row["id"], body, now)
    return JSONResponse({"contact": contact_wire(row),
                         "fieldValues": [field_value_wire(v) for v in values]})


async def delete_contact(request: Request) -> JSONResponse:
    row = contact_or_404(request)
    world_of(request).delete_contact(row["id"])
    return JSONResponse({})


async def sync_contact(request: Request) -> JSONResponse:
    """Upsert by email: 201 when the contact was created, 200 when it was updated. A body
    that fails validation is a 400 here (the description lists 400, not 422)."""
    body = await wrapped_body(request, "contact")
    world, now = world_of(request), now_of(request)
    try:
        email = valid_email(body.get("email"))
        current = world.contacts.by_email(email)
        changes = _validated({k: v for k, v in body.items() if k != "email"} if current
                             else body, current)
    except ApiError as refused:
        refused.status = 400
        raise
    row = store_contact(world, current, changes, now)
    values = _apply_field_values(world, row["id"], body, now)
    return JSONResponse({"contact": contact_wire(row),
                         "fieldValues": [field_value_wire(v) for v in values]},
                        status_code=200 if current else 201)


ROUTES = [
    Route("/contacts", list_contacts, methods=["GET"]),
    Route("/contacts", create_contact, methods=["POST"]),
    Route("/contacts/{id}", get_contact, methods=["GET"]),
    Route("/contacts/{id}", update_contact, methods=["PUT"]),
    Route("/contacts/{id}", delete_contact, methods=["DELETE"]),
    Route("/contact/sync", sync_contact, methods=["POST"]),
]
