"""What every Tessitura route shares: the request context, JSON in/out, error mapping.

Handlers raise ``TessituraApiError`` and return plain data; ``tessitura_endpoint`` turns
both into Tessitura's wire answers, so no handler formats an error by hand.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from providers.emulator_kit.control import EmulatorControl
from providers.tessitura.emulator.wire_errors import TessituraApiError
from providers.tessitura.emulator.wire_time import next_version_stamp, parse_wire_datetime
from providers.tessitura.emulator.world import TessituraWorld

log = logging.getLogger(__name__)

Handler = Callable[[Request], Awaitable[Any]]


@dataclass
class TessituraContext:
    """The world and settings one emulated TessituraService answers from."""

    world: TessituraWorld
    control: EmulatorControl
    user: str
    location: str

    def now(self) -> datetime:
        return self.control.clock.now()

    def stamp_new(self, row: dict[str, Any]) -> None:
        stamp = next_version_stamp(self.now(), None)
        row.update(
            CreatedDateTime=stamp,
            CreateLocation=self.location,
            CreatedBy=self.user,
            UpdatedDateTime=stamp,
            UpdatedBy=self.user,
        )

    def stamp_update(self, row: dict[str, Any]) -> None:
        row["UpdatedDateTime"] = next_version_stamp(self.now(), row.get("UpdatedDateTime"))
        row["UpdatedBy"] = self.user


def tessitura_endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler: data becomes JSON 200, ``None`` a 204, errors the error array."""

    async def endpoint(request: Request) -> Response:
        try:
            result = await handler(request)
        except TessituraApiError as error:
            return error.to_response()
        except Exception:  # the emulator must answer like a server, never crash the test
            log.exception("tessitura emulator: unhandled error on %s", request.url.path)
            return TessituraApiError(500, "An unexpected error occurred.").to_response()
        if isinstance(result, Response):
            return result
        if result is None:
            return Response(status_code=204)
        return JSONResponse(result)

    return endpoint


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        raise TessituraApiError(400, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise TessituraApiError(400, "The request body must be a JSON object.")
    return body


def path_id(request: Request, name: str) -> int:
    try:
        return int(request.path_params[name])
    except ValueError:
        raise TessituraApiError(
            404, f"No resource matches {request.url.path}.", error_path=name
        ) from None


def query_ids(request: Request, name: str, *, required: bool = False) -> list[int] | None:
    """A CSV query parameter of integers (``constituentIds=1,2``); None when absent."""
    raw = next((v for k, v in request.query_params.items() if k.lower() == name.lower()), None)
    if raw is None or raw.strip() == "":
        if required:
            raise TessituraApiError(400, f"{name} is required.", error_path=name)
        return None
    try:
        return [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise TessituraApiError(
            400, f"{name} must be a comma-separated list of integers.", error_path=name
        ) from None


def query_flag(request: Request, name: str) -> bool | None:
    raw = next((v for k, v in request.query_params.items() if k.lower() == name.lower()), None)
    if raw is None or raw == "":
        return None
    return raw.strip().lower() in ("true", "1", "y", "yes")


def require_current_version(stored: dict[str, Any], body: dict[str, Any]) -> None:
    """Optimistic locking: a PUT must carry the row's current ``UpdatedDateTime``."""
    sent = body.get("UpdatedDateTime")
    if not isinstance(sent, str) or not sent:
        raise TessituraApiError(
            409, "UpdatedDateTime is required to update this record.",
            error_path="UpdatedDateTime",
        )  # fmt: skip
    try:
        sent_moment = parse_wire_datetime(sent)
    except ValueError:
        raise TessituraApiError(
            400, f"UpdatedDateTime {sent!r} is not a date-time.", error_path="UpdatedDateTime"
        ) from None
    if sent_moment != parse_wire_datetime(stored["UpdatedDateTime"]):
        raise TessituraApiError(
            409,
            "The record has been updated by another user since it was read.",
            details=f"current UpdatedDateTime is {stored['UpdatedDateTime']}",
            error_path="UpdatedDateTime",
        )


def check_body_id(body: dict[str, Any], row_id: int) -> None:
    sent = body.get("Id")
    if sent is not None and sent != row_id:
        raise TessituraApiError(400, f"Id {sent!r} does not match the URL ({row_id}).",
                                error_path="Id")  # fmt: skip
