"""``GET /contactTags``: every contact-tag association, paged and filterable, as the single
form (``/contactTags/{id}``) shows one. Creating and removing them lives with the tags."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from providers.prospect2.emulator.context import world_of
from providers.prospect2.emulator.tags import contact_tag_wire
from providers.prospect2.emulator.wire import not_found, paged, path_id


async def list_contact_tags(request: Request) -> JSONResponse:
    """Filterable by ``filters[contact]`` and ``filters[tag]`` (ids)."""
    rows = sorted(world_of(request).table("contactTags").values(), key=lambda r: r["id"])
    for name in ("contact", "tag"):
        wanted = request.query_params.get(f"filters[{name}]")
        if wanted is not None:
            rows = [r for r in rows if str(r[name]) == wanted]
    return paged(request, "contactTags", rows, render=contact_tag_wire)


async def get_contact_tag(request: Request) -> JSONResponse:
    assoc_id = path_id(request, "SubscriberTag")
    row = world_of(request).table("contactTags").get(assoc_id)
    if row is None:
        raise not_found("SubscriberTag", assoc_id)
    return JSONResponse({"contactTag": contact_tag_wire(row)})


ROUTES = [
    Route("/contactTags", list_contact_tags, methods=["GET"]),
    Route("/contactTags/{id}", get_contact_tag, methods=["GET"]),
]
