"""``GET /`` (the API root) and ``GET /users/me``: what a client calls first to check its
token. ActiveCampaign documents the root only as that check (``curl -H "Api-Token: …"
…/api/3/``): a good token answers 200, a missing one 401, a wrong one 403 (the
authentication layer in front of every route). The emulator's root also lists the
collections it serves, so a person exploring it with curl sees where to go.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from providers.prospect2.emulator.context import world_of

#: The collections the emulator serves, as the root links them.
COLLECTIONS = ("automations", "campaigns", "contactAutomations", "contactLists", "contacts",
               "contactTags", "fieldRels", "fieldValues", "fields", "listGroups", "lists",
               "tags", "webhooks")


async def api_root(request: Request) -> JSONResponse:
    base = request.scope.get("root_path", "")
    return JSONResponse({"version": "3", "links": {name: f"{base}/{name}"
                                                  for name in COLLECTIONS}})


async def me(request: Request) -> JSONResponse:
    """The account's one user, named after the organization."""
    organization = world_of(request).account.get("organizationName", "")
    return JSONResponse({"user": {
        "username": "admin", "firstName": organization, "lastName": "Administrator",
        "email": "admin@lakeside.example.org", "phone": "", "signature": None, "id": "1",
        "links": {name: f"/api/3/users/1/{name}" for name in ("lists", "userGroup")}}})


ROUTES = [
    Route("/", api_root, methods=["GET"]),
    Route("/users/me", me, methods=["GET"]),
]
