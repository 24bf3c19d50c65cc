"""What the Prospect2 emulator deliberately leaves out: answered 501, naming the path.

A bare 404 would read to a client as "no such object" and send it down the wrong path; 501
says the emulator, not the account, lacks it. ``NOT_EMULATED`` names the families a person
is most likely to try and says why; the README lists the same.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from providers.prospect2.emulator.wire import not_emulated

#: Path prefix -> why it is not emulated. Anything else unserved answers 501 too.
NOT_EMULATED: dict[str, str] = {
    "/deals": "CRM deals, pipelines and tasks are outside Callboard's integration",
    "/accounts": "CRM accounts are outside Callboard's integration",
    "/ecom": "e-commerce data is outside Callboard's integration",
    "/forms": "forms are built in the Prospect2 UI, not managed by Callboard",
    "/segments": "segments are built in the Prospect2 UI, not managed by Callboard",
    "/messages": "campaign content is authored in the Prospect2 UI",
    "/users": "the account has one user (/users/me); user management is not emulated",
    "/groups": "user groups are not emulated (listGroups grants are stored only)",
    "/fields/": "a field's /relations sub-resource: read /fieldRels?filters[field]=ID",
    "/import/bulk_import": "only POST/GET /import/bulk_import and /import/info are emulated",
}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def why_not(path: str) -> str:
    return next((why for prefix, why in NOT_EMULATED.items() if path.startswith(prefix)),
                "not part of the API Callboard uses (see the README's Emulators section)")


async def not_emulated_route(request: Request) -> Response:
    path = "/" + request.path_params["path"]
    raise not_emulated(request.method, request.scope.get("root_path", "") + path,
                       why_not(path))


#: Last in the route table: every method on every path no other route serves.
CATCH_ALL = Route("/{path:path}", not_emulated_route, methods=METHODS)
