"""``/webhooks`` and ``/webhook/events``: the account's own webhooks (not the automation
Webhook action that carries a CSI URL). The emulator keeps them; it does not call them.
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
    text_field,
    wrapped_body,
)
from providers.prospect2.emulator.world import Prospect2World

#: ``GET /webhook/events``, in the description's order.
EVENTS = ("bounce", "click", "contact_tag_added", "contact_tag_removed", "deal_add",
          "deal_note_add", "deal_pipeline_add", "deal_stage_add", "deal_task_add",
          "deal_task_complete", "deal_tasktype_add", "deal_update", "forward", "list_add",
          "open", "reply", "sent", "share", "sms_reply", "sms_sent", "sms_unsub", "subscribe",
          "subscriber_note", "unsubscribe", "update")
SOURCES = ("public", "admin", "api", "system")


def webhook_wire(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"cdate": row["cdate"], "listid": str(row["listid"]), "name": row["name"],
            "url": row["url"], "events": list(row["events"]), "sources": list(row["sources"]),
            "links": [], "id": str(row["id"])}


def _choices(value: Any, name: str, allowed: tuple[str, ...]) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise invalid(name, f"{name} must be a non-empty list of: {', '.join(allowed)}",
                      title="Missing attribute" if not value else "Invalid attribute")
    unknown = [v for v in value if v not in allowed]
    if unknown:
        raise invalid(name, f"unknown {name}: {', '.join(unknown)}; use {', '.join(allowed)}")
    return list(dict.fromkeys(value))


def _validated(world: Prospect2World, body: dict[str, Any], current: dict[str, Any] | None
               ) -> dict[str, Any]:
    """POST requires name, url, events and sources; PUT changes what it names."""
    changes: dict[str, Any] = {}
    if current is None or "name" in body:
        changes["name"] = text_field(body.get("name"), "name", required=True).strip()
    if current is None or "url" in body:
        url = text_field(body.get("url"), "url", required=True, max_length=2048).strip()
        if not url.startswith(("http://", "https://")):
            raise invalid("url", f"url must be an http(s) URL, not {url!r}")
        changes["url"] = url
    if current is None or "events" in body:
        changes["events"] = _choices(body.get("events"), "events", EVENTS)
    if current is None or "sources" in body:
        changes["sources"] = _choices(body.get("sources"), "sources", SOURCES)
    if current is None or "listid" in body:
        listid = int_field(body.get("listid", 0), "listid")
        if listid and listid not in world.table("lists"):
            raise invalid("listid", f"no list with id {listid} (0 means every list)")
        changes["listid"] = listid
    return changes


def _webhook_or_404(request: Request) -> dict[str, Any]:
    webhook_id = path_id(request, "Webhook")
    row = world_of(request).table("webhooks").get(webhook_id)
    if row is None:
        raise not_found("Webhook", webhook_id)
    return row


async def list_webhooks(request: Request) -> JSONResponse:
    rows = sorted(world_of(request).table("webhooks").values(), key=lambda r: r["id"])
    for name in ("name", "url", "listid"):
        wanted = request.query_params.get(f"filters[{name}]")
        if wanted is not None:
            rows = [r for r in rows if str(r[name]) == wanted]
    return paged(request, "webhooks", rows, render=webhook_wire)


async def create_webhook(request: Request) -> JSONResponse:
    world = world_of(request)
    changes = _validated(world, await wrapped_body(request, "webhook"), None)
    row = world.insert("webhooks", {**changes, "cdate": now_of(request)})
    return JSONResponse({"webhook": webhook_wire(row)}, status_code=201)


async def get_webhook(request: Request) -> JSONResponse:
    return JSONResponse({"webhook": webhook_wire(_webhook_or_404(request))})


async def update_webhook(request: Request) -> JSONResponse:
    row = _webhook_or_404(request)
    row.update(_validated(world_of(request), await wrapped_body(request, "webhook"), row))
    return JSONResponse({"webhook": webhook_wire(row)})


async def delete_webhook(request: Request) -> JSONResponse:
    row = _webhook_or_404(request)
    del world_of(request).table("webhooks")[row["id"]]
    return JSONResponse({})


async def webhook_events(request: Request) -> JSONResponse:
    """``meta.total`` is a number here, unlike every other list (the description's answer)."""
    return JSONResponse({"webhookEvents": list(EVENTS), "meta": {"total": len(EVENTS)}})


ROUTES = [
    Route("/webhooks", list_webhooks, methods=["GET"]),
    Route("/webhooks", create_webhook, methods=["POST"]),
    Route("/webhooks/{id}", get_webhook, methods=["GET"]),
    Route("/webhooks/{id}", update_webhook, methods=["PUT"]),
    Route("/webhooks/{id}", delete_webhook, methods=["DELETE"]),
    Route("/webhook/events", webhook_events, methods=["GET"]),
]
