"""The Prospect2 emulator as one ASGI app: ActiveCampaign v3 routes plus the Tessitura layer.

Routes are relative to the mount (``/tags``); the host mounts the app at ``/api/3``. The app
is wrapped by the shared guard, so faults, latency, statistics and the 5-requests-a-second
limit apply to every route, including requests that fail authentication.
"""

from __future__ import annotations

import hmac

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from providers.emulator_kit.control import EmulatorControl
from providers.emulator_kit.guard import guarded
from providers.prospect2.emulator import (
    account_root,
    associations,
    automations,
    bulk_import,
    campaigns,
    contacts,
    field_options,
    field_relations,
    field_values,
    fields,
    integration,
    lists,
    tags,
    webhooks,
)
from providers.prospect2.emulator.unemulated import CATCH_ALL
from providers.prospect2.emulator.wire import ApiError, error_response
from providers.prospect2.emulator.world import Prospect2World

#: Prospect2's published limit (prospect2-api.md): 5 requests a second per account.
REQUESTS_PER_SECOND = 5.0

ROUTES: list[BaseRoute] = [
    *account_root.ROUTES, *tags.ROUTES, *associations.ROUTES, *contacts.ROUTES,
    *fields.ROUTES, *field_options.ROUTES, *field_relations.ROUTES, *field_values.ROUTES,
    *lists.ROUTES, *automations.ROUTES, *campaigns.ROUTES, *webhooks.ROUTES,
    *bulk_import.ROUTES, *integration.ROUTES,
]


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return ApiError(404, "Not Found", f"no route {request.url.path}",
                        code="not_found").response()
    return error_response(exc.status_code, str(exc.detail))


def _authenticated(app: ASGIApp, token: str) -> ASGIApp:
    """Missing ``Api-Token`` is 401, a wrong one 403, as ActiveCampaign answers."""
    expected = token.encode()

    async def check(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope["headers"]).get(b"api-token")
            if not given:
                await error_response(401, "Missing Api-Token header")(scope, receive, send)
                return
            if not hmac.compare_digest(given, expected):
                await error_response(403, "The Api-Token is not valid for this account")(
                    scope, receive, send)
                return
        await app(scope, receive, send)

    return check


def build_prospect2_app(world: Prospect2World, control: EmulatorControl, *,
                        token: str = "emulator-token",
                        tessitura: httpx.AsyncClient | None = None) -> ASGIApp:
    """The guarded, authenticated Prospect2 API over ``world``.

    ``tessitura`` reaches the Tessitura emulator (base URL ``…/TessituraService``); the host's
    ``/_emulator/automations/fire`` uses it, through ``app.state``, to create CSIs.
    """
    # The catch-all answers 501 for what is not emulated; it stays out of ``ROUTES`` so the
    # statistics keep counting such requests under one "<unmatched>" key.
    inner = Starlette(routes=[*ROUTES, CATCH_ALL],
                      exception_handlers={ApiError: _api_error, HTTPException: _http_error})
    inner.state.world = world
    inner.state.control = control
    inner.state.tessitura = tessitura
    inner.state.import_limiter = bulk_import.import_limiter()
    return guarded(_authenticated(inner, token), ROUTES, control, error_response=error_response,
                   rate_limit_per_second=REQUESTS_PER_SECOND)
