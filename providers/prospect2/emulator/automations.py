"""``/automations`` and ``/contactAutomations``: the account's automations and who is in them.

The emulator does not run automations (the control API's ``automations/fire`` plays the one
step Callboard cares about, a CSI webhook); adding a contact records the entry, status 1
(active), as ActiveCampaign answers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from providers.prospect2.emulator.contacts import contact_or_404, contact_wire
from providers.prospect2.emulator.context import now_of, world_of
from providers.prospect2.emulator.shapes import contact_automation_wire
from providers.prospect2.emulator.wire import (
    ApiError,
    int_field,
    not_found,
    paged,
    path_id,
    to_wire,
    wrapped_body,
)

ACTIVE, COMPLETED = 1, 2


def automation_wire(row: Mapping[str, Any], entries: list[dict[str, Any]]) -> dict[str, Any]:
    """``entered`` / ``exited`` count the automation's contacts (``entries``: every
    contactAutomation row of the account)."""
    wire = to_wire(row)
    mine = [r for r in entries if r["automation"] == row["id"]]
    exited = sum(1 for r in mine if r["status"] == COMPLETED)
    wire.update(userid="1", entered=str(len(mine)), exited=str(exited), hidden="0",
                links={name: f"/api/3/automations/{row['id']}/{name}" for name in (
                    "campaigns", "contactGoals", "contactAutomations", "blocks", "goals")})
    return wire


async def list_automations(request: Request) -> JSONResponse:
    world = world_of(request)
    rows = sorted(world.table("automations").values(), key=lambda r: r["id"])
    entries = list(world.table("contactAutomations").values())
    return paged(request, "automations", rows, render=lambda r: automation_wire(r, entries))


async def get_automation(request: Request) -> JSONResponse:
    automation_id = path_id(request, "Automation")
    world = world_of(request)
    row = world.table("automations").get(automation_id)
    if row is None:
        raise not_found("Automation", automation_id)
    entries = list(world.table("contactAutomations").values())
    return JSONResponse({"automation": automation_wire(row, entries)})


async def list_contact_automations(request: Request) -> JSONResponse:
    """Every entry, filterable by ``filters[contact|automation|status]``."""
    rows = sorted(world_of(request).table("contactAutomations").values(),
                  key=lambda r: r["id"])
    for name in ("contact", "automation", "status"):
        wanted = request.query_params.get(f"filters[{name}]")
        if wanted is not None:
            rows = [r for r in rows if str(r[name]) == wanted]
    return paged(request, "contactAutomations", rows, render=contact_automation_wire)


def _entry_or_missing(request: Request, status: int) -> dict[str, Any]:
    entry_id = path_id(request, "SubscriberSeries")
    row = world_of(request).table("contactAutomations").get(entry_id)
    if row is None:
        raise not_found("SubscriberSeries", entry_id, status=status)
    return row


async def get_contact_automation(request: Request) -> JSONResponse:
    return JSONResponse({"contactAutomation":
                         contact_automation_wire(_entry_or_missing(request, 404))})


async def add_contact_to_automation(request: Request) -> JSONResponse:
    """201; a contact already active in the automation is refused with 403, the words of
    the description's answer ("Could not create SubscriberSeries")."""
    body = await wrapped_body(request, "contactAutomation")
    world = world_of(request)
    contact_id = int_field(body.get("contact"), "contact")
    automation_id = int_field(body.get("automation"), "automation")
    assert contact_id is not None and automation_id is not None
    contact = world.contacts.get(contact_id)
    if contact is None or automation_id not in world.table("automations"):
        raise ApiError(403, "Forbidden", "Could not create SubscriberSeries",
                       code="forbidden")
    if any(r["contact"] == contact_id and r["automation"] == automation_id
           and r["status"] == ACTIVE for r in world.table("contactAutomations").values()):
        raise ApiError(403, "Forbidden", "Could not create SubscriberSeries",
                       code="forbidden")
    row = world.insert("contactAutomations", {
        "contact": contact_id, "automation": automation_id, "status": ACTIVE,
        "adddate": now_of(request), "remdate": None})
    wire = contact_automation_wire(row)
    wire.update(status=ACTIVE, startid=0)
    return JSONResponse({"contacts": [contact_wire(contact)], "contactAutomation": wire},
                        status_code=201)


async def automations_of_contact(request: Request) -> JSONResponse:
    """The contact's entries (its ``links.contactAutomations``)."""
    contact = contact_or_404(request)
    rows = sorted((r for r in world_of(request).table("contactAutomations").values()
                   if r["contact"] == contact["id"]), key=lambda r: r["id"])
    return JSONResponse({"contactAutomations": [contact_automation_wire(r) for r in rows],
                         "meta": {"total": str(len(rows))}})


async def remove_contact_from_automation(request: Request) -> JSONResponse:
    """A missing entry answers 403 with the not-found words, as the description shows."""
    row = _entry_or_missing(request, 403)
    del world_of(request).table("contactAutomations")[row["id"]]
    return JSONResponse({})


ROUTES = [
    Route("/automations", list_automations, methods=["GET"]),
    Route("/automations/{id}", get_automation, methods=["GET"]),
    Route("/contactAutomations", list_contact_automations, methods=["GET"]),
    Route("/contactAutomations", add_contact_to_automation, methods=["POST"]),
    Route("/contactAutomations/{id}", get_contact_automation, methods=["GET"]),
    Route("/contactAutomations/{id}", remove_contact_from_automation, methods=["DELETE"]),
    Route("/contacts/{id}/contactAutomations", automations_of_contact, methods=["GET"]),
]
