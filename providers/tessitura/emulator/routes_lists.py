"""``/Reporting/Lists/*``: List Manager lists, their generation and contents (seed 003)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from providers.tessitura.emulator.http_kit import (
    TessituraContext,
    json_body,
    path_id,
    query_ids,
    tessitura_endpoint,
)
from providers.tessitura.emulator.list_manager import ManagedList
from providers.tessitura.emulator.output_sets import output_set_summary
from providers.tessitura.emulator.wire_errors import TessituraApiError
from providers.tessitura.emulator.wire_time import next_version_stamp

DEFAULT_PAGE_SIZE = 50


def _category(ctx: TessituraContext, managed: ManagedList) -> dict[str, Any]:
    row = ctx.world.tables["ListCategories"].get(managed.category_id, {})
    return {
        "Id": managed.category_id,
        "Description": row.get("Description"),
        "Inactive": row.get("Inactive", False),
    }


def _output_set(ctx: TessituraContext, managed: ManagedList) -> dict[str, Any] | None:
    row = ctx.world.tables["OutputSets"].get(managed.output_set_id or 0)
    return None if row is None else output_set_summary(row)


def render_list_summary(ctx: TessituraContext, managed: ManagedList) -> dict[str, Any]:
    """``ListSummary`` exactly as the Swagger has it (no TMSIndicator: read the list for it)."""
    return {
        "Description": managed.description,
        "Id": managed.id,
        "Category": _category(ctx, managed),
        "ConstituentCount": managed.constituent_count(ctx.world.population),
        "Inactive": False,
        "CreatedBy": "dbo",
        "LastUsedDateTime": managed.generated_stamp,
        "IsDynamic": managed.is_dynamic,
        "EditMode": "Criteria" if managed.is_dynamic else "Static",
    }


def render_list(ctx: TessituraContext, managed: ManagedList) -> dict[str, Any]:
    count = managed.constituent_count(ctx.world.population)
    return {
        "Id": managed.id,
        "Description": managed.description,
        "Category": _category(ctx, managed),
        "ControlGroup": None,
        "ConstituentCount": count,
        "Criteria": [
            {"Id": managed.id * 10 + 1, "Operator": "=", "Value1": managed.criteria_text,
             "Condition": "AND", "Inactive": False}
        ] if managed.is_dynamic else [],
        "IsDynamic": managed.is_dynamic,
        "EditMode": "Criteria" if managed.is_dynamic else "Static",
        "TMSIndicator": managed.tms_indicator,
        "AnalyticsIndicator": False,
        "LastUsedDateTime": managed.generated_stamp,
        "Inactive": False,
        "EditIndicator": True,
        "ListSql": f"-- {managed.criteria_text}",
        "OutputSet": _output_set(ctx, managed),
        "Households": 0,
        "AffiliatedIndividuals": 0,
        "Individuals": count,
        "Organizations": 0,
        "Generate": managed.is_dynamic,
        "CreatedDateTime": managed.created_stamp,
        "CreateLocation": "seed",
        "CreatedBy": "dbo",
        "UpdatedDateTime": managed.updated_stamp,
        "UpdatedBy": "dbo",
    }  # fmt: skip


def find_list(ctx: TessituraContext, request: Request) -> ManagedList:
    """The list named by the ``listId`` path parameter, or a 404."""
    list_id = path_id(request, "listId")
    managed = ctx.world.lists.get(list_id)
    if managed is None:
        raise TessituraApiError(404, f"List {list_id} was not found.", error_path="listId")
    return managed


def list_routes(ctx: TessituraContext) -> list[Route]:
    def find(request: Request) -> ManagedList:
        return find_list(ctx, request)

    async def summaries(request: Request) -> list[dict[str, Any]]:
        wanted = query_ids(request, "listIds")
        return [
            render_list_summary(ctx, ctx.world.lists[list_id])
            for list_id in sorted(ctx.world.lists)
            if wanted is None or list_id in wanted
        ]

    async def search(request: Request) -> Response:
        """Paged: body ``Page`` (from 1), ``PageSize``; X-Page / X-Page-Size / X-Total-Count."""
        body = await json_body(request)
        page = body.get("Page") or 1
        page_size = body.get("PageSize") or DEFAULT_PAGE_SIZE
        if not isinstance(page, int) or page < 1:
            raise TessituraApiError(400, "Page must be a positive integer.", error_path="Page")
        if not isinstance(page_size, int) or page_size < 1:
            raise TessituraApiError(400, "PageSize must be a positive integer.",
                                    error_path="PageSize")  # fmt: skip
        text = str(body.get("SearchText") or "").lower()
        category_id = body.get("CategoryId")
        show_empty = body.get("ShowEmpty", True) is not False
        matched = []
        for list_id in sorted(ctx.world.lists):
            summary = render_list_summary(ctx, ctx.world.lists[list_id])
            if text and text not in summary["Description"].lower():
                continue
            if category_id and summary["Category"]["Id"] != category_id:
                continue
            if not show_empty and summary["ConstituentCount"] == 0:
                continue
            matched.append(summary)
        window = matched[(page - 1) * page_size : page * page_size]
        headers = {"X-Page": str(page), "X-Page-Size": str(page_size),
                   "X-Total-Count": str(len(matched))}  # fmt: skip
        return JSONResponse(window, headers=headers)

    async def get_list(request: Request) -> dict[str, Any]:
        return render_list(ctx, find(request))

    async def generate(request: Request) -> dict[str, Any]:
        managed = find(request)
        managed.generate(ctx.world.population, next_version_stamp(ctx.now(), None))
        return render_list(ctx, managed)

    async def contents(request: Request) -> Response:
        """Unpaged; built as text because the large seed's lists run to a million rows."""
        members = find(request).contents(ctx.world.population)
        body = "[" + ",".join(f'{{"ConstituentId":{n}}}' for n in members) + "]"
        return Response(body, media_type="application/json")

    return [
        Route("/Reporting/Lists/Summary", tessitura_endpoint(summaries), methods=["GET"]),
        Route("/Reporting/Lists/Search", tessitura_endpoint(search), methods=["POST"]),
        Route("/Reporting/Lists/{listId}", tessitura_endpoint(get_list), methods=["GET"]),
        Route("/Reporting/Lists/{listId}/Generate", tessitura_endpoint(generate),
              methods=["POST"]),
        Route("/Reporting/Lists/{listId}/Contents", tessitura_endpoint(contents),
              methods=["GET"]),
    ]  # fmt: skip
