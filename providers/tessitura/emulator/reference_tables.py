"""Reference-data tables (TR_* rows) and their wire shapes.

Each table is declared once: its writable fields, which fields point at rows of other tables,
and which fields its *Summary* shape keeps. Stored rows hold links as ``{"Id": n}``; rendering
expands them into the target's summary, so renaming a category shows up everywhere at once,
as it does in Tessitura.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from providers.tessitura.emulator.wire_errors import TessituraApiError

STAMP_FIELDS = ("CreatedDateTime", "CreateLocation", "CreatedBy", "UpdatedDateTime", "UpdatedBy")

Row = dict[str, Any]
Tables = dict[str, dict[int, Row]]


@dataclass(frozen=True)
class TableSpec:
    """How one reference table reads and writes over REST."""

    name: str
    defaults: dict[str, Any]
    links: dict[str, str] = field(default_factory=dict)
    summary_fields: tuple[str, ...] = ("Description", "Id", "Inactive")
    link_as_entity: frozenset[str] = frozenset()
    writable: bool = True

    @property
    def known_fields(self) -> set[str]:
        return {"Id", *self.defaults, *self.links, *STAMP_FIELDS}


def _spec(name: str, defaults: dict[str, Any], **kwargs: Any) -> TableSpec:
    return TableSpec(name=name, defaults=defaults, **kwargs)


_DESCRIBED = {"Description": None, "Inactive": False}

TABLE_SPECS: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        _spec("ActivityCategories", {**_DESCRIBED, "AutoClose": False}),
        _spec(
            "ActivityTypes",
            {**_DESCRIBED, "PerfIndicator": "N", "ControlGroup": None},
            links={"Category": "ActivityCategories"},
            summary_fields=("Description", "Id", "Inactive", "Category"),
        ),
        _spec("ContactTypes", dict(_DESCRIBED)),
        _spec(
            "Origins",
            dict(_DESCRIBED),
            links={"ActivityType": "ActivityTypes"},
            link_as_entity=frozenset({"ActivityType"}),
        ),
        _spec("ContactPointPurposeCategories", {**_DESCRIBED, "ControlGroup": None}),
        _spec(
            "ContactPointPurposes",
            dict(_DESCRIBED),
            links={"PurposeCategory": "ContactPointPurposeCategories"},
            summary_fields=("Id", "Description", "PurposeCategory", "Inactive"),
        ),
        _spec(
            "ContactPointCategories",
            {"Description": None, "ContactPointKey": None, "ContactPointTable": None},
            summary_fields=("Id", "Description"),
        ),
        _spec(
            "ContactPointCategoryPurposes",
            {},
            links={
                "ContactPointCategory": "ContactPointCategories",
                "Purpose": "ContactPointPurposes",
            },
            summary_fields=("Id", "ContactPointCategory", "Purpose"),
        ),
        _spec(
            "ElectronicAddressTypes",
            {**_DESCRIBED, "IsEmail": True, "ControlGroup": None},
            summary_fields=("Description", "Id", "Inactive", "IsEmail"),
        ),
        _spec("ContactPermissionCategories", {**_DESCRIBED, "AskFrequencyMonths": 12}),
        _spec(
            "ContactPermissionTypes",
            {
                **_DESCRIBED,
                "ShortDescription": None,
                "DefaultValueForAdd": None,
                "Presenter": False,
                "Rank": 0,
                "EditIndicator": True,
            },
            links={"Category": "ContactPermissionCategories"},
            summary_fields=(
                "Id", "Description", "Inactive", "Category", "Presenter", "Rank",
                "DefaultValueForAdd", "EditIndicator",
            ),  # fmt: skip
        ),
        _spec("SourceGroups", dict(_DESCRIBED)),
        _spec("MediaTypes", {**_DESCRIBED, "GenerateCost": 0.0, "ControlGroup": None}),
        _spec("ListCategories", dict(_DESCRIBED)),
        _spec("AppealCategories", dict(_DESCRIBED)),
        _spec(
            "Appeals",
            {
                **_DESCRIBED,
                "StartDateTime": None,
                "EndDateTime": None,
                "GoalAmount": 0.0,
                "Status": "A",
            },
            links={"Category": "AppealCategories"},
            writable=False,
        ),
        _spec(
            "SystemDefaults",
            {**_DESCRIBED, "Value": None, "ParentTable": None, "FieldName": None},
            summary_fields=("Id", "Inactive", "Value", "ParentTable", "FieldName"),
            writable=False,
        ),
    )
}

#: PerfIndicator codes and the words a client might send instead (tessitura-api.md §3).
PERF_INDICATOR_WORDS = {
    "n": "N", "none": "N", "p": "P", "performance": "P", "k": "K", "package": "K",
    "b": "B", "package/performance": "B", "package / performance": "B",
}  # fmt: skip


def render_row(tables: Tables, spec: TableSpec, row: Row, *, summary: bool = False) -> Row:
    """The wire object (or its summary) with links expanded into target summaries."""
    names = spec.summary_fields if summary else ("Id", *spec.defaults, *spec.links, *STAMP_FIELDS)
    shaped: Row = {}
    for name in names:
        value = row.get(name)
        if name in spec.links and isinstance(value, dict):
            value = render_link(tables, spec, name, value)
        shaped[name] = value
    return shaped


def render_link(tables: Tables, spec: TableSpec, name: str, link: Row) -> Row:
    target_id = link.get("Id")
    if name in spec.link_as_entity:
        return {"Id": target_id}
    target_spec = TABLE_SPECS[spec.links[name]]
    target = tables.get(target_spec.name, {}).get(target_id) if isinstance(target_id, int) else None
    if target is None:
        return {"Id": target_id}
    return render_row(tables, target_spec, target, summary=True)


def matches_filters(row: Row, filters: dict[str, str]) -> bool:
    """``?Prop=value`` and ``?Prop.Id=n`` on a rendered row (case-insensitive, CSV = any of)."""
    for path, wanted in filters.items():
        value: Any = row
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        text = str(value).lower()
        if text not in {option.strip().lower() for option in wanted.split(",")}:
            return False
    return True


def property_filters(spec: TableSpec, query: dict[str, str]) -> dict[str, str]:
    """The query parameters that name a property of the table; others are left alone."""
    return {key: value for key, value in query.items() if key.split(".")[0] in spec.known_fields}


def apply_body(tables: Tables, spec: TableSpec, row: Row, body: Row) -> None:
    """Copy writable fields from a request body into ``row``, validating links."""
    for name in spec.defaults:
        if name in body:
            row[name] = body[name]
    for name, target_table in spec.links.items():
        if name not in body:
            continue
        link = body[name]
        target_id = link.get("Id") if isinstance(link, dict) else None
        if link is None:
            row[name] = None
            continue
        if not isinstance(target_id, int) or target_id not in tables.get(target_table, {}):
            raise TessituraApiError(
                400, f"{name} {target_id!r} does not exist.", error_path=f"{name}.Id"
            )
        row[name] = {"Id": target_id}
    if "Description" in spec.defaults:
        description = row.get("Description")
        if not isinstance(description, str) or not description.strip():
            raise TessituraApiError(400, "Description is required.", error_path="Description")
    if spec.name == "ActivityTypes":
        code = PERF_INDICATOR_WORDS.get(str(row.get("PerfIndicator") or "N").strip().lower())
        if code is None:
            raise TessituraApiError(
                400,
                f"PerfIndicator {row.get('PerfIndicator')!r} is not one of N, P, K, B.",
                error_path="PerfIndicator",
            )
        row["PerfIndicator"] = code
        if row.get("Category") is None:
            raise TessituraApiError(400, "Category is required.", error_path="Category.Id")


def rows_linking_to(tables: Tables, table: str, row_id: int) -> list[str]:
    """Which tables still point at this row (a delete would break their foreign keys)."""
    found: list[str] = []
    for spec in TABLE_SPECS.values():
        for name, target in spec.links.items():
            if target != table:
                continue
            for row in tables.get(spec.name, {}).values():
                if (row.get(name) or {}).get("Id") == row_id:
                    found.append(spec.name)
                    break
    return found
