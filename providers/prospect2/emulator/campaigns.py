"""``/campaigns``: sent and draft campaigns, their tracked links and (Part B) recipients."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from providers.prospect2.emulator.context import world_of
from providers.prospect2.emulator.wire import (
    ApiError,
    not_found,
    paged,
    path_id,
    timestamps,
    to_wire,
)

#: ``orders[NAME]`` the campaign list honours.
ORDERS = ("sdate", "ldate", "cdate", "mdate", "id", "name")


def campaign_wire(row: Mapping[str, Any]) -> dict[str, Any]:
    wire = to_wire(row)
    wire.update(timestamps(row, created="cdate", updated="mdate"), userid="1", user="1",
                automation=None, total_amt=row.get("send_amt", "0"),
                links={"links": f"/api/3/campaigns/{row['id']}/links"})
    return wire


def _campaign_or_404(request: Request) -> dict[str, Any]:
    campaign_id = path_id(request, "Campaign")
    row = world_of(request).table("campaigns").get(campaign_id)
    if row is None:
        raise not_found("Campaign", campaign_id)
    return row


async def list_campaigns(request: Request) -> JSONResponse:
    rows = sorted(world_of(request).table("campaigns").values(), key=lambda r: r["id"])
    params = request.query_params
    status = params.get("filters[status]")
    if status is not None:
        rows = [r for r in rows if r["status"] == status]
    series = params.get("filters[seriesid]")
    if series is not None:
        rows = [r for r in rows if str(r.get("seriesid", "0")) == series]
    for name in ORDERS:
        direction = params.get(f"orders[{name}]")
        if direction is None:
            continue
        if direction.strip().upper() not in ("ASC", "DESC"):
            raise ApiError(400, "Bad Request", f"orders[{name}] must be ASC or DESC",
                           code="bad_request")
        # unsent campaigns (no date) sort first ascending, as NULLs do in MySQL
        rows.sort(key=lambda r, n=name: (r.get(n) is not None, str(r.get(n) or ""), r["id"]),
                  reverse=direction.strip().upper() == "DESC")
        break
    return paged(request, "campaigns", rows, render=campaign_wire)


async def get_campaign(request: Request) -> JSONResponse:
    return JSONResponse({"campaign": campaign_wire(_campaign_or_404(request))})


async def campaign_links(request: Request) -> JSONResponse:
    """The tracked links of a campaign: the read tracker of its one message, plus the
    season page every seeded campaign links to once it has been sent."""
    campaign = _campaign_or_404(request)
    cid = campaign["id"]
    links = [("open", "Read Tracker")]
    if campaign["status"] == "5":
        links.append(("https://lakeside.example.org/season", "Season page"))
    return JSONResponse({"links": [
        {"campaignid": str(cid), "messageid": str(cid), "link": link, "name": name, "ref": "",
         "tracked": "1", "id": str(cid * 10 + index), "campaign": str(cid),
         "message": str(cid), "links": {"campaign": f"/api/3/links/{cid * 10 + index}/campaign"}}
        for index, (link, name) in enumerate(links)]})


async def campaign_recipients(request: Request) -> JSONResponse:
    """Who a sent campaign went to (Part B): ``contact, email, sentAt``, paged."""
    campaign = _campaign_or_404(request)
    rows = world_of(request).recipients.get(campaign["id"], [])
    return paged(request, "recipients",
                 ({"contact": c, "email": e, "sentAt": s} for c, e, s in rows), len(rows))


ROUTES = [
    Route("/campaigns", list_campaigns, methods=["GET"]),
    Route("/campaigns/{id}", get_campaign, methods=["GET"]),
    Route("/campaigns/{id}/links", campaign_links, methods=["GET"]),
    Route("/campaigns/{id}/recipients", campaign_recipients, methods=["GET"]),
]
