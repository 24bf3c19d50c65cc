"""``/Reporting/OutputSets/*`` and ``POST /Reporting/Lists/{listId}/Results`` (contact data).

Results pages through a list's contents and computes the output set's columns for that
page's constituents only, so any page of the large seed's million-member list is cheap.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from providers.tessitura.emulator.http_kit import (
    TessituraContext,
    json_body,
    path_id,
    tessitura_endpoint,
)
from providers.tessitura.emulator.output_sets import (
    column_values,
    output_set_columns,
    output_set_summary,
)
from providers.tessitura.emulator.reference_tables import Row
from providers.tessitura.emulator.routes_lists import find_list
from providers.tessitura.emulator.wire_errors import TessituraApiError
from providers.tessitura.emulator.wire_time import next_version_stamp

#: The Swagger's own numbers for Lists/{listId}/Results.
DEFAULT_RESULTS_PAGE_SIZE = 100
MAX_RESULTS_PAGE_SIZE = 1_000


def _whole_number(body: dict[str, Any], name: str, default: int) -> int:
    """A positive int field of the body; absent (or null) takes ``default``."""
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise TessituraApiError(400, f"{name} must be a positive integer, not {value!r}.",
                                error_path=name)  # fmt: skip
    return value


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise TessituraApiError(400, f"{name} must be true or false, not {value!r}.",
                                error_path=name)  # fmt: skip
    return value


def output_set_routes(ctx: TessituraContext) -> list[Route]:
    def output_set(output_set_id: int, *, error_path: str) -> Row:
        row = ctx.world.tables["OutputSets"].get(output_set_id)
        if row is None:
            status = 404 if error_path == "outputSetId" else 400
            raise TessituraApiError(status, f"Output set {output_set_id} was not found.",
                                    error_path=error_path)  # fmt: skip
        return row

    async def summaries(request: Request) -> list[dict[str, Any]]:
        rows = ctx.world.tables["OutputSets"]
        mine_only = request.query_params.get("mineOnly", "").strip().lower() == "true"
        return [
            output_set_summary(rows[set_id])
            for set_id in sorted(rows)
            if not mine_only or rows[set_id].get("CreatedBy") == ctx.user
        ]

    async def get_output_set(request: Request) -> dict[str, Any]:
        return output_set(path_id(request, "outputSetId"), error_path="outputSetId")

    async def results(request: Request) -> Response:
        """One page of the list's members with the output set's columns (bare array)."""
        managed = find_list(ctx, request)
        body = await json_body(request)
        page = _whole_number(body, "Page", 1)
        page_size = _whole_number(body, "PageSize", DEFAULT_RESULTS_PAGE_SIZE)
        if page_size > MAX_RESULTS_PAGE_SIZE:
            raise TessituraApiError(
                400, f"PageSize {page_size} is over the maximum of {MAX_RESULTS_PAGE_SIZE}.",
                error_path="PageSize")  # fmt: skip
        given = body.get("OutputSetId")
        if given in (None, 0):
            if managed.output_set_id is None:
                raise TessituraApiError(
                    400, f"List {managed.id} has no default output set; give OutputSetId.",
                    error_path="OutputSetId")  # fmt: skip
            output_set_id = managed.output_set_id
        elif isinstance(given, bool) or not isinstance(given, int):
            raise TessituraApiError(400, f"OutputSetId must be an integer, not {given!r}.",
                                    error_path="OutputSetId")  # fmt: skip
        else:
            output_set_id = given
        columns = output_set_columns(output_set(output_set_id, error_path="OutputSetId"))
        if managed.is_dynamic and not _flag(body, "DisableListGenerate"):
            managed.generate(ctx.world.population, next_version_stamp(ctx.now(), None))
        members = managed.contents(ctx.world.population)
        window = members[(page - 1) * page_size : page * page_size]
        rows = [{"ConstituentId": n, **column_values(ctx.world, columns, n)} for n in window]
        headers = {"X-Page": str(page), "X-Page-Size": str(page_size),
                   "X-Total-Count": str(len(members))}  # fmt: skip
        return JSONResponse(rows, headers=headers)

    return [
        Route("/Reporting/OutputSets/Summary", tessitura_endpoint(summaries), methods=["GET"]),
        Route("/Reporting/OutputSets/{outputSetId}", tessitura_endpoint(get_output_set),
              methods=["GET"]),
        Route("/Reporting/Lists/{listId}/Results", tessitura_endpoint(results),
              methods=["POST"]),
    ]  # fmt: skip
