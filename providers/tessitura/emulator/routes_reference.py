"""``/ReferenceData/*`` and ``/Finance/*``: TR_* tables over REST, CRUD where Tessitura has it."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from providers.tessitura.emulator.http_kit import (
    TessituraContext,
    check_body_id,
    json_body,
    path_id,
    query_flag,
    query_ids,
    require_current_version,
    tessitura_endpoint,
)
from providers.tessitura.emulator.reference_tables import (
    TABLE_SPECS,
    TableSpec,
    apply_body,
    matches_filters,
    property_filters,
    render_row,
    rows_linking_to,
)
from providers.tessitura.emulator.wire_errors import TessituraApiError

#: Tables served under /ReferenceData with GET-all, Summary, GET/POST/PUT/DELETE.
CRUD_TABLES = (
    "ActivityTypes", "ActivityCategories", "ContactTypes", "Origins", "ContactPointPurposes",
    "ContactPointPurposeCategories", "ContactPointCategoryPurposes", "ContactPointCategories",
    "ElectronicAddressTypes", "ContactPermissionTypes", "ContactPermissionCategories",
    "SourceGroups", "MediaTypes", "ListCategories", "AppealCategories",
)  # fmt: skip

#: Foreign keys held by rows that are not reference tables (issues point at these).
_ISSUE_LINKS = {"ActivityTypes": "ActivityType", "ContactTypes": "ContactType", "Origins": "Origin"}


def _table_routes(ctx: TessituraContext, spec: TableSpec) -> list[Route]:
    base = f"/ReferenceData/{spec.name}"

    def rows() -> dict[int, dict[str, Any]]:
        return ctx.world.tables.setdefault(spec.name, {})

    def find(row_id: int) -> dict[str, Any]:
        row = rows().get(row_id)
        if row is None:
            raise TessituraApiError(404, f"{spec.name} {row_id} was not found.", error_path="id")
        return row

    async def list_all(request: Request) -> list[dict[str, Any]]:
        filters = property_filters(spec, dict(request.query_params))
        rendered = (render_row(ctx.world.tables, spec, rows()[i]) for i in sorted(rows()))
        return [row for row in rendered if matches_filters(row, filters)]

    async def summary(request: Request) -> list[dict[str, Any]]:
        return [
            render_row(ctx.world.tables, spec, rows()[i], summary=True) for i in sorted(rows())
        ]

    async def get_one(request: Request) -> dict[str, Any]:
        return render_row(ctx.world.tables, spec, find(path_id(request, "id")))

    async def create(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        row: dict[str, Any] = {"Id": 0, **spec.defaults}
        apply_body(ctx.world.tables, spec, row, body)
        row["Id"] = ctx.world.next_id(spec.name)
        ctx.stamp_new(row)
        rows()[row["Id"]] = row
        return render_row(ctx.world.tables, spec, row)

    async def update(request: Request) -> dict[str, Any]:
        row_id = path_id(request, "id")
        stored = find(row_id)
        body = await json_body(request)
        check_body_id(body, row_id)
        require_current_version(stored, body)
        candidate = dict(stored)
        apply_body(ctx.world.tables, spec, candidate, body)
        ctx.stamp_update(candidate)
        rows()[row_id] = candidate
        return render_row(ctx.world.tables, spec, candidate)

    async def delete(request: Request) -> None:
        row_id = path_id(request, "id")
        find(row_id)
        holders = rows_linking_to(ctx.world.tables, spec.name, row_id)
        issue_field = _ISSUE_LINKS.get(spec.name)
        if issue_field and any(
            (issue.get(issue_field) or {}).get("Id") == row_id
            for issue in ctx.world.issues.values()
        ):
            holders.append("Issues")
        if holders:
            raise TessituraApiError(
                400,
                f"{spec.name} {row_id} is in use and cannot be deleted.",
                details=f"referenced by {', '.join(holders)}",
                error_path="id",
            )
        del rows()[row_id]

    return [
        Route(base, tessitura_endpoint(list_all), methods=["GET"]),
        Route(base, tessitura_endpoint(create), methods=["POST"]),
        Route(f"{base}/Summary", tessitura_endpoint(summary), methods=["GET"]),
        Route(f"{base}/{{id}}", tessitura_endpoint(get_one), methods=["GET"]),
        Route(f"{base}/{{id}}", tessitura_endpoint(update), methods=["PUT"]),
        Route(f"{base}/{{id}}", tessitura_endpoint(delete), methods=["DELETE"]),
    ]


def _system_default_routes(ctx: TessituraContext) -> list[Route]:
    spec = TABLE_SPECS["SystemDefaults"]

    def ordered() -> list[dict[str, Any]]:
        table = ctx.world.tables["SystemDefaults"]
        return [table[row_id] for row_id in sorted(table)]

    async def list_all(request: Request) -> list[dict[str, Any]]:
        return [render_row(ctx.world.tables, spec, row) for row in ordered()]

    async def summary(request: Request) -> list[dict[str, Any]]:
        return [render_row(ctx.world.tables, spec, row, summary=True) for row in ordered()]

    async def by_keys(request: Request) -> list[dict[str, Any]]:
        """``?keys=A,B`` matches FieldName (case-insensitive); unknown keys are simply absent."""
        raw = request.query_params.get("keys", "")
        keys = {key.strip().lower() for key in raw.split(",") if key.strip()}
        return [
            render_row(ctx.world.tables, spec, row, summary=True)
            for row in ordered()
            if str(row["FieldName"]).lower() in keys
        ]

    return [
        Route("/ReferenceData/SystemDefaults", tessitura_endpoint(list_all), methods=["GET"]),
        Route("/ReferenceData/SystemDefaults/Summary", tessitura_endpoint(summary),
              methods=["GET"]),
        Route("/ReferenceData/SystemDefaults/Defaults", tessitura_endpoint(by_keys),
              methods=["GET"]),
    ]  # fmt: skip


def _finance_routes(ctx: TessituraContext) -> list[Route]:
    appeal_spec = TABLE_SPECS["Appeals"]

    def appeals() -> dict[int, dict[str, Any]]:
        return ctx.world.tables["Appeals"]

    def summary_of(table: str, row_id: int) -> dict[str, Any]:
        row = ctx.world.tables[table].get(row_id)
        if row is None:
            return {"Id": row_id}
        return {"Description": row["Description"], "Id": row_id, "Inactive": row["Inactive"]}

    async def appeal_summaries(request: Request) -> list[dict[str, Any]]:
        active_only = query_flag(request, "activeOnly")
        return [
            render_row(ctx.world.tables, appeal_spec, appeals()[i], summary=True)
            for i in sorted(appeals())
            if not (active_only and appeals()[i]["Inactive"])
        ]

    async def appeal(request: Request) -> dict[str, Any]:
        appeal_id = path_id(request, "appealId")
        row = appeals().get(appeal_id)
        if row is None:
            raise TessituraApiError(404, f"Appeal {appeal_id} was not found.",
                                    error_path="appealId")  # fmt: skip
        return render_row(ctx.world.tables, appeal_spec, row)

    def render_source(source: dict[str, Any], *, summary: bool) -> dict[str, Any]:
        shaped = {
            "Description": source["Description"],
            "Id": source["Id"],
            "Inactive": source["Inactive"],
            "Appeal": summary_of("Appeals", source["AppealId"]),
        }
        if summary:
            return shaped
        return {
            **shaped,
            "SourceGroup": summary_of("SourceGroups", source["SourceGroupId"]),
            "MediaType": summary_of("MediaTypes", source["MediaTypeId"]),
            "NumContacts": len(ctx.world.promotions.get(source["Id"], ())),
            **{key: source[key] for key in
               ("CreatedDateTime", "CreatedBy", "UpdatedDateTime", "UpdatedBy")},
        }  # fmt: skip

    async def source_summaries(request: Request) -> list[dict[str, Any]]:
        appeal_ids = query_ids(request, "appealIds")
        active_only = query_flag(request, "activeOnly")
        sources = ctx.world.sources
        return [
            render_source(sources[i], summary=True)
            for i in sorted(sources)
            if (appeal_ids is None or sources[i]["AppealId"] in appeal_ids)
            and not (active_only and sources[i]["Inactive"])
        ]

    async def source(request: Request) -> dict[str, Any]:
        source_id = path_id(request, "sourceId")
        found = ctx.world.sources.get(source_id)
        if found is None:
            raise TessituraApiError(404, f"Source {source_id} was not found.",
                                    error_path="sourceId")  # fmt: skip
        return render_source(found, summary=False)

    return [
        Route("/Finance/Appeals/Summary", tessitura_endpoint(appeal_summaries), methods=["GET"]),
        Route("/Finance/Appeals/{appealId}", tessitura_endpoint(appeal), methods=["GET"]),
        Route("/Finance/Sources/Summary", tessitura_endpoint(source_summaries), methods=["GET"]),
        Route("/Finance/Sources/{sourceId}", tessitura_endpoint(source), methods=["GET"]),
    ]


def reference_routes(ctx: TessituraContext) -> list[Route]:
    routes: list[Route] = []
    for name in CRUD_TABLES:
        routes.extend(_table_routes(ctx, TABLE_SPECS[name]))
    return routes + _system_default_routes(ctx) + _finance_routes(ctx)
