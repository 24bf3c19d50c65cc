"""Prospect2's wire format: string ids, wrapped bodies, paged lists and JSON:API-style errors.

Every route renders through these helpers so the whole emulated API answers in one shape,
the one ActiveCampaign's v3 examples show.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
#: Fields that hold references to other rows: rendered as string ids on the wire.
ID_FIELDS = frozenset({"id", "contact", "tag", "field", "list", "owner"})


class ApiError(Exception):
    """An error answer; routes raise it and the app renders it in the errors shape."""

    def __init__(self, status: int, title: str, detail: str = "", *, code: str = "",
                 pointer: str | None = None) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.code, self.pointer = (
            status, title, detail, code, pointer)

    def response(self) -> JSONResponse:
        """Both of ActiveCampaign's error shapes at once: the JSON:API ``errors`` list (with
        ``status``, as its 4xx examples show) and the plain ``{"message"}`` of its 403s and
        404s, so a client reading either finds the words."""
        error: dict[str, Any] = {"status": self.status, "title": self.title,
                                 "detail": self.detail, "code": self.code or str(self.status)}
        if self.pointer:
            error["source"] = {"pointer": self.pointer}
        body: dict[str, Any] = {"errors": [error], "message": self.detail or self.title}
        return JSONResponse(body, status_code=self.status)


def error_response(status: int, message: str) -> JSONResponse:
    """The guard's renderer for injected faults and rate limiting."""
    return ApiError(status, message, message).response()


def invalid(attribute: str, detail: str, *, title: str = "Invalid attribute",
            code: str = "invalid") -> ApiError:
    """A 422 naming the offending field the way ActiveCampaign does."""
    return ApiError(422, title, detail, code=code, pointer=f"/data/attributes/{attribute}")


def not_found(resource: str, key: object, *, status: int = 404) -> ApiError:
    """ActiveCampaign's words for a missing object. A few operations answer them with 403
    (their descriptions say so: ``GET /fieldValues/{id}``, ``DELETE /lists/{id}``,
    ``DELETE /contactAutomations/{id}``), hence ``status``."""
    return ApiError(status, "Not Found", f"No Result found for {resource} with id {key}",
                    code="not_found")


def not_emulated(method: str, path: str, why: str = "") -> ApiError:
    """501 for what the emulator deliberately leaves out: never a bare 404, which a client
    would read as "no such object"."""
    detail = f"the Prospect2 emulator does not emulate {method} {path}"
    return ApiError(501, "Not Implemented", f"{detail}: {why}" if why else detail,
                    code="not_implemented")


def sql_stamp(iso: str | None) -> str | None:
    """``2026-09-01 09:00:00``: the form of ActiveCampaign's ``*_timestamp`` fields (the
    emulator's clock is UTC, so the account-local and the UTC stamp are the same)."""
    if not iso:
        return None
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def timestamps(row: Mapping[str, Any], created: str = "cdate", updated: str = "udate"
               ) -> dict[str, Any]:
    """``created_timestamp`` / ``updated_timestamp`` from a row's own dates: incremental
    readers page on them."""
    first = row.get(created)
    return {"created_timestamp": sql_stamp(first),
            "updated_timestamp": sql_stamp(row.get(updated) or first)}


def path_id(request: Request, resource: str, name: str = "id") -> int:
    raw = request.path_params[name]
    if not raw.isdigit():
        raise not_found(resource, raw)
    return int(raw)


async def wrapped_body(request: Request, key: str) -> dict[str, Any]:
    """The object inside ``{"key": {...}}``; a missing or malformed body is a 400."""
    body = await json_body(request)
    inner = body.get(key)
    if not isinstance(inner, dict):
        raise ApiError(400, "Bad Request", f'the body must be {{"{key}": {{...}}}}',
                       code="bad_request", pointer=f"/{key}")
    return inner


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw or b"{}")
    except ValueError as exc:
        raise ApiError(400, "Bad Request", f"the body is not JSON: {exc}",
                       code="bad_request") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "Bad Request", "the body must be a JSON object", code="bad_request")
    return body


def page_window(request: Request, default_limit: int = DEFAULT_LIMIT) -> tuple[int, int]:
    """``(offset, limit)`` from ``?offset=&limit=``: limit defaults to 20 (``GET /fields``:
    100, its description says) and stops at 100."""
    params = request.query_params
    try:
        limit = int(params.get("limit", default_limit))
        offset = int(params.get("offset", 0))
    except ValueError as exc:
        raise ApiError(400, "Bad Request", "limit and offset must be integers",
                       code="bad_request") from exc
    if limit < 1 or offset < 0:
        raise ApiError(400, "Bad Request", "limit must be positive and offset not negative",
                       code="bad_request")
    return offset, min(limit, MAX_LIMIT)


def to_wire(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row as the API shows it: ids (and references) as strings."""
    return {k: (str(v) if k in ID_FIELDS and v is not None else v) for k, v in row.items()}


def single(key: str, row: Mapping[str, Any], status: int = 200,
           **extra: Any) -> JSONResponse:
    return JSONResponse({key: to_wire(row), **extra}, status_code=status)


def paged(request: Request, key: str, rows: Iterable[Mapping[str, Any]], total: int | None = None,
          *, render: Callable[[Mapping[str, Any]], dict[str, Any]] = to_wire,
          **extra: Any) -> JSONResponse:
    """One page of ``rows`` under the plural ``key`` with ``meta.total`` (a string).

    Pass ``total`` with a lazy iterable (the ``large`` seed's contacts) to avoid listing all.
    """
    offset, limit = page_window(request)
    items = list(rows) if total is None else None
    if items is not None:
        total = len(items)
        page = items[offset:offset + limit]
    else:
        page = _slice(rows, offset, limit)
    return JSONResponse({key: [render(r) for r in page], **extra,
                         "meta": {"total": str(total)}})


def _slice(rows: Iterable[Mapping[str, Any]], offset: int, limit: int) -> list[Mapping[str, Any]]:
    page: list[Mapping[str, Any]] = []
    for index, row in enumerate(rows):
        if index >= offset + limit:
            break
        if index >= offset:
            page.append(row)
    return page


def bool_field(value: Any, attribute: str) -> bool:
    """Booleans as JSON true/false or ActiveCampaign's 0/1 and "0"/"1"."""
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1"):
        return str(value) == "1"
    raise invalid(attribute, f"{attribute} must be true or false")


def text_field(value: Any, attribute: str, *, required: bool = False, max_length: int = 255
               ) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise invalid(attribute, f"{attribute} is required and must be text",
                      title="Missing attribute" if value in (None, "") else "Invalid attribute",
                      code="field_missing" if value in (None, "") else "invalid")
    if len(value) > max_length:
        raise invalid(attribute, f"{attribute} is longer than {max_length} characters")
    return value


def int_field(value: Any, attribute: str, *, required: bool = True) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool):
        raise invalid(attribute, f"{attribute} must be an id")
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return int(value)
    raise invalid(attribute, f"{attribute} must be an id",
                  title="Missing attribute" if value is None else "Invalid attribute")
