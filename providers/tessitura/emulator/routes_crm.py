"""``/CRM/*``, ``/Custom/Execute`` and ``/Diagnostics/Status``: constituents and CSIs.

Constituent rows are rendered on demand from the derived population; only issues are
stored rows here.
"""

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
from providers.tessitura.emulator.population import EmailAddressRecord
from providers.tessitura.emulator.procedures import execute_local_procedure
from providers.tessitura.emulator.reference_seed import SEEDED_AT, SEEDED_BY
from providers.tessitura.emulator.reference_tables import (
    TABLE_SPECS,
    TableSpec,
    render_link,
    render_row,
)
from providers.tessitura.emulator.wire_errors import TessituraApiError
from providers.tessitura.emulator.wire_time import format_wire_datetime, parse_wire_datetime

MAX_NOTES_LENGTH = 4_000  # seed 000: Tessitura's CSI notes column

_ISSUE_SPEC = TableSpec(
    name="Issues",
    defaults={},
    links={"ActivityType": "ActivityTypes", "ContactType": "ContactTypes", "Origin": "Origins"},
)
_ISSUE_FIELDS = (
    "IssueDate", "Notes", "PerformanceId", "PackageId", "UrgentIndicator", "ResolvedIndicator",
    "HasReminder",
)  # fmt: skip
_INT32_FIELDS = ("PerformanceId", "PackageId")
_BOOLEAN_FIELDS = ("UrgentIndicator", "ResolvedIndicator", "HasReminder")
_STAMPS = {
    "CreatedDateTime": SEEDED_AT,
    "CreateLocation": "seed",
    "CreatedBy": SEEDED_BY,
    "UpdatedDateTime": SEEDED_AT,
    "UpdatedBy": SEEDED_BY,
}


def _summary(ctx: TessituraContext, table: str, row_id: int) -> dict[str, Any]:
    row = ctx.world.tables[table].get(row_id, {})
    return {"Id": row_id, "Description": row.get("Description"), "Inactive": row.get("Inactive")}


def _render_issue(ctx: TessituraContext, issue: dict[str, Any]) -> dict[str, Any]:
    shaped: dict[str, Any] = {"Id": issue["Id"]}
    for name in _ISSUE_SPEC.links:
        link = issue.get(name)
        shaped[name] = render_link(ctx.world.tables, _ISSUE_SPEC, name, link) if link else None
    shaped["Constituent"] = {"Id": issue["Constituent"]["Id"]}
    shaped.update({name: issue.get(name) for name in _ISSUE_FIELDS})
    shaped["EditIndicator"] = True
    shaped.update({name: issue[name] for name in _STAMPS})
    return shaped


def _check_wire_type(name: str, value: Any) -> None:
    """Tessitura's Issue has int32 ids and boolean flags; it cannot store "abc" in either."""
    if name in _INT32_FIELDS and (type(value) is not int or not -(2**31) <= value < 2**31):
        raise TessituraApiError(400, f"{name} must be a whole number (int32).", error_path=name)
    if name in _BOOLEAN_FIELDS and type(value) is not bool:
        raise TessituraApiError(400, f"{name} must be true or false.", error_path=name)


def _validated_issue(ctx: TessituraContext, body: dict[str, Any], issue: dict[str, Any]) -> None:
    """seed 000 / tessitura-api.md §5: references must exist, notes at most 4,000 characters."""
    world = ctx.world
    for name, table in (("Constituent", None), ("ActivityType", "ActivityTypes"),
                        ("ContactType", "ContactTypes"), ("Origin", "Origins")):  # fmt: skip
        if name not in body:
            continue
        link = body[name]
        target_id = link.get("Id") if isinstance(link, dict) else None
        if link is None and name == "Origin":
            issue[name] = None
            continue
        exists = (
            world.population.exists(target_id)
            if table is None
            else target_id in world.tables[table]
        ) if isinstance(target_id, int) else False  # fmt: skip
        if not exists:
            raise TessituraApiError(400, f"{name} {target_id!r} does not exist.",
                                    error_path=f"{name}.Id")  # fmt: skip
        issue[name] = {"Id": target_id}
    for name in _ISSUE_FIELDS:
        if name in body:
            _check_wire_type(name, body[name])
            issue[name] = body[name]
    for name in ("Constituent", "ActivityType", "ContactType"):
        if not issue.get(name):
            raise TessituraApiError(400, f"{name} is required.", error_path=f"{name}.Id")
    notes = issue.get("Notes")
    if notes is not None and not isinstance(notes, str):
        raise TessituraApiError(400, "Notes must be text.", error_path="Notes")
    if notes is not None and len(notes) > MAX_NOTES_LENGTH:
        raise TessituraApiError(
            400,
            f"Notes are {len(notes)} characters; the maximum is {MAX_NOTES_LENGTH}.",
            error_path="Notes",
        )
    if issue.get("IssueDate"):
        try:
            parse_wire_datetime(str(issue["IssueDate"]))
        except ValueError:
            raise TessituraApiError(400, "IssueDate is not a date-time.",
                                    error_path="IssueDate") from None  # fmt: skip


def _issue_routes(ctx: TessituraContext) -> list[Route]:
    def find(issue_id: int) -> dict[str, Any]:
        issue = ctx.world.issues.get(issue_id)
        if issue is None:
            raise TessituraApiError(404, f"Issue {issue_id} was not found.", error_path="issueId")
        return issue

    async def list_issues(request: Request) -> list[dict[str, Any]]:
        constituent_ids = query_ids(request, "constituentId")
        by_link = {
            "ContactType": query_ids(request, "contactTypeIds"),
            "ActivityType": query_ids(request, "activityTypeIds"),
            "Origin": query_ids(request, "originIds"),
        }
        categories = query_ids(request, "categoryIds")
        performances = query_ids(request, "performanceIds")
        packages = query_ids(request, "packageIds")
        resolved = query_flag(request, "resolved")
        start = request.query_params.get("startDate")
        end = request.query_params.get("endDate")
        found = []
        for issue_id in sorted(ctx.world.issues):
            issue = _render_issue(ctx, ctx.world.issues[issue_id])
            if constituent_ids is not None and issue["Constituent"]["Id"] not in constituent_ids:
                continue
            if any(
                wanted is not None and (issue[name] or {}).get("Id") not in wanted
                for name, wanted in by_link.items()
            ):
                continue
            category = ((issue["ActivityType"] or {}).get("Category") or {}).get("Id")
            if categories is not None and category not in categories:
                continue
            if performances is not None and issue["PerformanceId"] not in performances:
                continue
            if packages is not None and issue["PackageId"] not in packages:
                continue
            if resolved is not None and bool(issue["ResolvedIndicator"]) != resolved:
                continue
            issued = parse_wire_datetime(issue["IssueDate"])
            if start and issued < parse_wire_datetime(start):
                continue
            if end and issued > parse_wire_datetime(end):
                continue
            found.append(issue)
        return found

    async def create(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        issue: dict[str, Any] = {"Origin": None, "PerformanceId": 0, "PackageId": 0,
                                 "UrgentIndicator": False, "HasReminder": False}  # fmt: skip
        _validated_issue(ctx, body, issue)
        category_id = ctx.world.tables["ActivityTypes"][issue["ActivityType"]["Id"]]["Category"]
        category = ctx.world.tables["ActivityCategories"].get((category_id or {}).get("Id"), {})
        if category.get("AutoClose"):  # seed 000: an auto-closing category creates it closed
            issue["ResolvedIndicator"] = True
        issue.setdefault("ResolvedIndicator", False)
        issue["IssueDate"] = issue.get("IssueDate") or format_wire_datetime(ctx.now())
        issue["Id"] = ctx.world.next_id("Issues")
        ctx.stamp_new(issue)
        ctx.world.issues[issue["Id"]] = issue
        return _render_issue(ctx, issue)

    async def get_one(request: Request) -> dict[str, Any]:
        return _render_issue(ctx, find(path_id(request, "issueId")))

    async def update(request: Request) -> dict[str, Any]:
        issue_id = path_id(request, "issueId")
        stored = find(issue_id)
        body = await json_body(request)
        check_body_id(body, issue_id)
        require_current_version(stored, body)
        candidate = dict(stored)
        _validated_issue(ctx, body, candidate)
        ctx.stamp_update(candidate)
        ctx.world.issues[issue_id] = candidate
        return _render_issue(ctx, candidate)

    async def delete(request: Request) -> None:
        issue_id = path_id(request, "issueId")
        find(issue_id)
        del ctx.world.issues[issue_id]

    return [
        Route("/CRM/Issues", tessitura_endpoint(list_issues), methods=["GET"]),
        Route("/CRM/Issues", tessitura_endpoint(create), methods=["POST"]),
        Route("/CRM/Issues/{issueId}", tessitura_endpoint(get_one), methods=["GET"]),
        Route("/CRM/Issues/{issueId}", tessitura_endpoint(update), methods=["PUT"]),
        Route("/CRM/Issues/{issueId}", tessitura_endpoint(delete), methods=["DELETE"]),
    ]


def _constituent_routes(ctx: TessituraContext) -> list[Route]:

    def render_constituent(constituent_id: int) -> dict[str, Any]:
        first, last = ctx.world.population.name(constituent_id)
        active = ctx.world.population.is_active(constituent_id)
        return {
            "Id": constituent_id,
            "FirstName": first,
            "LastName": last,
            "DisplayName": f"{first} {last}",
            "SortName": f"{last}/{first}",
            "ConstituentType": {"Id": 1, "Description": "Individual", "Inactive": False},
            "Inactive": {"Id": 1 if active else 2,
                         "Description": "Active" if active else "Inactive", "Inactive": False},
            **_STAMPS,
        }  # fmt: skip

    def render_address(record: EmailAddressRecord) -> dict[str, Any]:
        address_type = ctx.world.tables["ElectronicAddressTypes"].get(record.type_id, {})
        return {
            "Id": record.id,
            "Address": record.address,
            "Constituent": {"Id": record.constituent_id},
            "ElectronicAddressType": {
                "Id": record.type_id,
                "Description": address_type.get("Description"),
                "Inactive": address_type.get("Inactive"),
                "IsEmail": address_type.get("IsEmail"),
            },
            "PrimaryIndicator": record.primary,
            "Inactive": record.inactive,
            "IsEmail": bool(address_type.get("IsEmail")),
            "AllowMarketing": True,
            "AllowHtmlFormat": True,
            "IsFromAffiliation": False,
            "EditIndicator": True,
            **_STAMPS,
        }

    def existing(ids: list[int]) -> list[int]:
        return [i for i in dict.fromkeys(ids) if ctx.world.population.exists(i)]

    async def constituents(request: Request) -> list[dict[str, Any]]:
        ids = query_ids(request, "constituentIds", required=True) or []
        return [render_constituent(i) for i in existing(ids)]

    async def constituent(request: Request) -> dict[str, Any]:
        constituent_id = path_id(request, "constituentId")
        if not ctx.world.population.exists(constituent_id):
            raise TessituraApiError(404, f"Constituent {constituent_id} was not found.",
                                    error_path="constituentId")  # fmt: skip
        return render_constituent(constituent_id)

    async def electronic_addresses(request: Request) -> list[dict[str, Any]]:
        address = request.query_params.get("address")
        ids = query_ids(request, "constituentIds", required=not address)
        if ids is None:  # by address alone: who owns it (a CSI webhook's look-up, seed 001)
            ids = ctx.world.population.owners_of(str(address))
        primary_only = query_flag(request, "primaryOnly")
        type_ids = query_ids(request, "electronicAddressTypeId")
        found = []
        for constituent_id in existing(ids):
            for record in ctx.world.population.email_addresses(constituent_id):
                if primary_only and not record.primary:
                    continue
                if type_ids is not None and record.type_id not in type_ids:
                    continue
                if address and record.address.lower() != address.lower():
                    continue
                found.append(render_address(record))
        return found

    async def purpose_maps(request: Request) -> list[dict[str, Any]]:
        constituent_id = (query_ids(request, "constituentId", required=True) or [0])[0]
        category_filter = query_ids(request, "contactPointCategoryId")
        purpose_filter = query_ids(request, "purposeId")
        if not ctx.world.population.exists(constituent_id):
            return []
        points: list[tuple[int, int, tuple[int, ...], dict[str, Any] | None]] = [
            (record.id, 1, record.purpose_ids, render_address(record))
            for record in ctx.world.population.email_addresses(constituent_id)
        ]
        postal = ctx.world.population.postal_purpose_ids(constituent_id)
        if postal:
            points.append((constituent_id * 10 + 9, 2, postal, None))
        purpose_spec = TABLE_SPECS["ContactPointPurposes"]
        maps = []
        for point_id, category_id, purposes, address in points:
            for purpose_id in purposes:
                if category_filter is not None and category_id not in category_filter:
                    continue
                if purpose_filter is not None and purpose_id not in purpose_filter:
                    continue
                purpose_row = ctx.world.tables["ContactPointPurposes"].get(purpose_id)
                maps.append({
                    "Id": point_id * 10 + purpose_id,
                    "ContactPoint": {
                        "Id": point_id, "ConstituentId": constituent_id,
                        "ContactPointCategoryId": category_id,
                        "Type": {"Id": 1 if address else 2,
                                 "Description": "Electronic Address" if address else "Address"},
                        "ElectronicAddress": address and {"Address": address["Address"]},
                    },
                    "ContactPointCategory": {
                        "Id": category_id,
                        "Description": _summary(ctx, "ContactPointCategories",
                                                category_id)["Description"],
                    },
                    "Purpose": render_row(ctx.world.tables, purpose_spec, purpose_row,
                                          summary=True) if purpose_row else {"Id": purpose_id},
                    "EditIndicator": True,
                    **_STAMPS,
                })  # fmt: skip
        return maps

    async def permissions(request: Request) -> list[dict[str, Any]]:
        constituent_id = (query_ids(request, "constituentId", required=True) or [0])[0]
        if not ctx.world.population.exists(constituent_id):
            return []
        spec = TABLE_SPECS["ContactPermissionTypes"]
        found = []
        permission_types = ctx.world.tables["ContactPermissionTypes"]
        for type_id in sorted(permission_types):
            answer = ctx.world.population.permission_answer(constituent_id, type_id)
            if answer is None:
                continue  # never asked: no TX_CONTACT_PERMISSION row (N/A)
            found.append({
                "Id": constituent_id * 10 + type_id,
                "Answer": answer,
                "Constituent": {"Id": constituent_id},
                "Type": render_row(ctx.world.tables, spec, permission_types[type_id],
                                   summary=True),
                "LastAskedDateTime": SEEDED_AT,
                "ShouldAsk": False,
                "EditIndicator": True,
                **_STAMPS,
            })  # fmt: skip
        return found

    return [
        Route("/CRM/Constituents", tessitura_endpoint(constituents), methods=["GET"]),
        Route("/CRM/Constituents/{constituentId}", tessitura_endpoint(constituent),
              methods=["GET"]),
        Route("/CRM/ElectronicAddresses", tessitura_endpoint(electronic_addresses),
              methods=["GET"]),
        Route("/CRM/ContactPointPurposeMaps", tessitura_endpoint(purpose_maps), methods=["GET"]),
        Route("/CRM/ContactPermissions", tessitura_endpoint(permissions), methods=["GET"]),
    ]  # fmt: skip


def _service_routes(ctx: TessituraContext) -> list[Route]:
    async def status(request: Request) -> dict[str, Any]:
        return {
            "Success": True,
            "TimeStamp": format_wire_datetime(ctx.now()),
            "TimeZone": "UTC",
            "Dependencies": [
                {"Success": True, "Name": "Database", "Description": "Impresario (emulated)"}
            ],
        }

    async def execute(request: Request) -> list[dict[str, Any]]:
        body = await json_body(request)
        if isinstance(body, dict):
            name = str(body.get("ProcedureName") or "").strip().upper()
            ctx.control.stats.procedures[name] += 1
        return execute_local_procedure(ctx.world, body, user=ctx.user, now=ctx.now())

    return [
        Route("/Diagnostics/Status", tessitura_endpoint(status), methods=["GET"]),
        Route("/Custom/Execute", tessitura_endpoint(execute), methods=["POST"]),
    ]


def crm_routes(ctx: TessituraContext) -> list[Route]:
    return _issue_routes(ctx) + _constituent_routes(ctx) + _service_routes(ctx)
