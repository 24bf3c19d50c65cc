"""The emulated TessituraService: one ASGI app, mounted by the host at ``/TessituraService``.

Layers, outside in: the emulator kit's guard (stats, latency, injected faults), HTTP Basic
auth with Tessitura's four-part credentials, then the routes.
"""

from __future__ import annotations

import base64
import binascii

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from providers.emulator_kit.control import EmulatorControl
from providers.emulator_kit.guard import guarded
from providers.tessitura.emulator.http_kit import TessituraContext
from providers.tessitura.emulator.routes_crm import crm_routes
from providers.tessitura.emulator.routes_lists import list_routes
from providers.tessitura.emulator.routes_output_sets import output_set_routes
from providers.tessitura.emulator.routes_reference import reference_routes
from providers.tessitura.emulator.wire_errors import error_array_response
from providers.tessitura.emulator.world import TessituraWorld


def parse_basic_credentials(header: str) -> tuple[str, str, str, str] | None:
    """``Basic base64(user:usergroup:location:password)``; the password may contain ``:``."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    parts = decoded.split(":", 3)
    if len(parts) != 4:
        return None
    return parts[0], parts[1], parts[2], parts[3]


class BasicAuthGate:
    """Answers 401 (error array) unless the request carries the expected four-part login."""

    def __init__(self, app: ASGIApp, expected: tuple[str, str, str, str]) -> None:
        self.app = app
        self.expected = expected

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = dict(scope.get("headers") or []).get(b"authorization", b"")
            given = parse_basic_credentials(header.decode("latin-1"))
            if given is None or given != self.expected:
                description = (
                    "Authorization is required." if given is None else "Invalid credentials."
                )
                await error_array_response(401, description)(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    description = {
        404: f"No resource matches {request.url.path}.",
        405: f"{request.method} is not allowed on {request.url.path}.",
    }.get(status, "The request failed.")
    return error_array_response(status, description)


def build_tessitura_app(
    world: TessituraWorld,
    control: EmulatorControl,
    *,
    user: str = "callboard",
    usergroup: str = "admin",
    location: str = "emulator",
    password: str = "emulator",
) -> ASGIApp:
    """The TessituraService API over ``world`` (routes relative to the mount)."""
    ctx = TessituraContext(world=world, control=control, user=user, location=location)
    routes: list[BaseRoute] = [*reference_routes(ctx), *crm_routes(ctx), *list_routes(ctx),
                               *output_set_routes(ctx)]
    app = Starlette(routes=routes, exception_handlers={404: _http_error, 405: _http_error})
    gated = BasicAuthGate(app, (user, usergroup, location, password))
    return guarded(
        gated,
        routes,
        control,
        error_response=lambda status, message: error_array_response(status, message),
        rate_limit_per_second=None,
    )
