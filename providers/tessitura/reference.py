"""Tessitura reference data as ``ReferenceRow`` tables (``tessitura.activity_types``…).

Kinds of either provider resolve manifest references (a category, a list, an appeal) against
these rows, so each table is read in one or two GETs and shaped once, here. Ids are ints and
``data`` keys are a contract with the kinds that read them (the Prospect2 integration kinds).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

from engine.errors import CallboardError, ProviderError
from engine.kinds import ReferenceRow
from providers.tessitura.client import TessituraClient

#: PerfIndicator codes the emulator sends, and the words Callboard's manifests use.
PERF_CODE_WORDS = {"N": "none", "P": "Performance", "K": "Package", "B": "Package/Performance"}
PERF_WORD_CODES = {word: code for code, word in PERF_CODE_WORDS.items()}
_PERF_SPELLINGS = {
    **{code.casefold(): word for code, word in PERF_CODE_WORDS.items()},
    **{word.casefold(): word for word in PERF_CODE_WORDS.values()},
}

Reader = Callable[[TessituraClient], Awaitable[list[ReferenceRow]]]


def perf_indicator_word(value: Any, activity_type: str) -> str:
    """The manifest word for a wire PerfIndicator (a code or a word, any case).

    Tessitura publishes no list of values (tessitura-api.md §3), so anything unexpected is
    refused by name rather than guessed at: a wrong guess would let a CSI webhook through.
    """
    if value is None:
        return "none"  # an unset indicator means "not tied to a performance"
    spelled = re.sub(r"\s*/\s*", "/", str(value).strip()).casefold()
    word = _PERF_SPELLINGS.get(spelled)
    if word is None:
        raise ProviderError(
            f"Tessitura activity type {activity_type} has PerfIndicator {value!r}, which "
            "Callboard does not know; expected one of N, P, K, B (None, Performance, Package, "
            "Package/Performance)")
    return word


def perf_indicator_code(word: str) -> str:
    """The one-letter wire code for a manifest word."""
    return PERF_WORD_CODES[word]


def _id(link: Any) -> int | None:
    """The ``Id`` of a nested ``{"Id": n}`` (None when the link is empty)."""
    if isinstance(link, dict) and isinstance(link.get("Id"), int):
        return int(link["Id"])
    return None


def _described(rows: Any, data: Callable[[dict[str, Any]], dict[str, Any]] | None = None
               ) -> list[ReferenceRow]:
    return [ReferenceRow(id=int(row["Id"]), description=str(row.get("Description") or ""),
                         data=data(row) if data else {}, inactive=bool(row.get("Inactive")))
            for row in rows or [] if isinstance(row, dict)]


async def _plain(client: TessituraClient, path: str) -> list[ReferenceRow]:
    return _described(await client.get(path))


async def contact_types(client: TessituraClient) -> list[ReferenceRow]:
    return await _plain(client, "/ReferenceData/ContactTypes")


async def activity_categories(client: TessituraClient) -> list[ReferenceRow]:
    rows = await client.get("/ReferenceData/ActivityCategories")
    return _described(rows, lambda row: {"auto_close": bool(row.get("AutoClose"))})


async def origins(client: TessituraClient) -> list[ReferenceRow]:
    rows = await client.get("/ReferenceData/Origins")
    return _described(rows, lambda row: {"activity_type_id": _id(row.get("ActivityType"))})


async def activity_types(client: TessituraClient) -> list[ReferenceRow]:
    """Types with their Origins, since a type tied to an Origin never creates a CSI."""
    types, origin_rows = await asyncio.gather(
        client.get("/ReferenceData/ActivityTypes"), origins(client))
    origin_ids: dict[int, list[int]] = {}
    for origin in origin_rows:
        type_id = origin.data["activity_type_id"]
        if type_id is not None:
            origin_ids.setdefault(type_id, []).append(origin.id)

    def data(row: dict[str, Any]) -> dict[str, Any]:
        name = f"{row['Id']} ({row.get('Description')!r})"
        return {"category_id": _id(row.get("Category")),
                "perf_ind": perf_indicator_word(row.get("PerfIndicator"), name),
                "origin_ids": sorted(origin_ids.get(int(row["Id"]), []))}

    return _described(types, data)


async def contact_point_categories(client: TessituraClient) -> list[ReferenceRow]:
    return await _plain(client, "/ReferenceData/ContactPointCategories")


async def contact_point_purposes(client: TessituraClient) -> list[ReferenceRow]:
    """Purposes with the contact point categories (Email Address…) they belong to."""
    purposes, links = await asyncio.gather(
        client.get("/ReferenceData/ContactPointPurposes"),
        client.get("/ReferenceData/ContactPointCategoryPurposes"))
    categories: dict[int, set[int]] = {}
    for link in links or []:
        purpose, category = _id(link.get("Purpose")), _id(link.get("ContactPointCategory"))
        if purpose is not None and category is not None:
            categories.setdefault(purpose, set()).add(category)
    return _described(purposes, lambda row: {
        "category_ids": sorted(categories.get(int(row["Id"]), set()))})


async def eaddress_types(client: TessituraClient) -> list[ReferenceRow]:
    rows = await client.get("/ReferenceData/ElectronicAddressTypes")
    return _described(rows, lambda row: {"is_email": bool(row.get("IsEmail"))})


async def contact_permission_types(client: TessituraClient) -> list[ReferenceRow]:
    return await _plain(client, "/ReferenceData/ContactPermissionTypes")


async def lists(client: TessituraClient) -> list[ReferenceRow]:
    """List Manager lists; ``ListSummary`` lacks TMSIndicator, so each list is read too."""
    summaries = [s for s in await client.get("/Reporting/Lists/Summary") or []
                 if isinstance(s, dict)]
    details = await asyncio.gather(
        *(client.get(f"/Reporting/Lists/{int(s['Id'])}") for s in summaries))
    by_id = {int(d["Id"]): d for d in details if isinstance(d, dict)}
    return _described(summaries, lambda row: {
        "is_dynamic": bool(row.get("IsDynamic")),
        "prospect2": bool(by_id.get(int(row["Id"]), {}).get("TMSIndicator")),
        "constituent_count": int(row.get("ConstituentCount") or 0),
        "output_set_id": _id(by_id.get(int(row["Id"]), {}).get("OutputSet"))})


async def output_sets(client: TessituraClient) -> list[ReferenceRow]:
    """Output sets (``OutputSetSummary``): the column sets a list's results can carry."""
    return await _plain(client, "/Reporting/OutputSets/Summary")


async def output_set_columns(client: TessituraClient, output_set_id: str) -> list[ReferenceRow]:
    """One output set's columns, by the name a user sees (``DescriptionRenamed``), in rank
    order; inactive elements are left out (they return nothing)."""
    found = await client.get(f"/Reporting/OutputSets/{int(output_set_id)}")
    elements = [e for group in (found or {}).get("ElementGroups") or []
                for e in group.get("Elements") or [] if not e.get("Inactive")]
    elements.sort(key=lambda e: e.get("Rank") or 0)
    return [ReferenceRow(id=int(e.get("Id") or 0), description=str(
        e.get("DescriptionRenamed") or (e.get("QueryElement") or {}).get("Description") or ""))
        for e in elements]


async def list_results(client: TessituraClient, list_id: str, output_set_id: str
                       ) -> list[ReferenceRow]:
    """The first page of a list's results in an output set, as last generated: a sample of
    the values its columns hold (one call), for checking them against field types."""
    rows, _ = await client.post_page(
        f"/Reporting/Lists/{int(list_id)}/Results",
        {"OutputSetId": int(output_set_id), "Page": 1, "PageSize": 1000,
         "DisableListGenerate": True})
    return [ReferenceRow(id=int(row["ConstituentId"]), description="",
                         data={k: v for k, v in row.items() if k != "ConstituentId"})
            for row in rows or [] if isinstance(row, dict) and "ConstituentId" in row]


async def appeals(client: TessituraClient) -> list[ReferenceRow]:
    return await _plain(client, "/Finance/Appeals/Summary")


async def source_groups(client: TessituraClient) -> list[ReferenceRow]:
    return await _plain(client, "/ReferenceData/SourceGroups")


async def media_types(client: TessituraClient) -> list[ReferenceRow]:
    return await _plain(client, "/ReferenceData/MediaTypes")


async def system_default_rows(client: TessituraClient) -> list[dict[str, Any]]:
    """Every T_DEFAULTS row (``SystemDefault``), in one GET."""
    rows = await client.get("/ReferenceData/SystemDefaults")
    return [row for row in rows or [] if isinstance(row, dict)]


async def defaults(client: TessituraClient) -> list[ReferenceRow]:
    """T_DEFAULTS rows described by their FieldName (the Data Sync reads P2DSTrackChanges)."""
    return [ReferenceRow(id=int(row["Id"]), description=str(row.get("FieldName") or ""),
                         data={"value": "" if row.get("Value") is None else str(row["Value"]),
                               "parent_table": str(row.get("ParentTable") or "")})
            for row in await system_default_rows(client)]


READERS: dict[str, Reader] = {
    "tessitura.contact_types": contact_types,
    "tessitura.activity_categories": activity_categories,
    "tessitura.activity_types": activity_types,
    "tessitura.origins": origins,
    "tessitura.contact_point_categories": contact_point_categories,
    "tessitura.contact_point_purposes": contact_point_purposes,
    "tessitura.eaddress_types": eaddress_types,
    "tessitura.contact_permission_types": contact_permission_types,
    "tessitura.lists": lists,
    "tessitura.appeals": appeals,
    "tessitura.source_groups": source_groups,
    "tessitura.media_types": media_types,
    "tessitura.defaults": defaults,
    "tessitura.output_sets": output_sets,
}
#: Tables that take arguments after their name (``tessitura.output_set_columns/31``).
READERS_WITH_ARGUMENTS: dict[str, Callable[..., Awaitable[list[ReferenceRow]]]] = {
    "tessitura.output_set_columns": output_set_columns,
    "tessitura.list_results": list_results,
}

REFERENCE_TABLES: frozenset[str] = frozenset(READERS) | frozenset(READERS_WITH_ARGUMENTS)


async def read_reference_table(client: TessituraClient, table: str) -> list[ReferenceRow]:
    """Rows of one ``tessitura.*`` table, straight from the service (the session caches)."""
    name, *arguments = table.split("/")
    reader = READERS.get(name) if not arguments else None
    if reader is not None:
        return await reader(client)
    with_arguments = READERS_WITH_ARGUMENTS.get(name)
    if with_arguments is None or not arguments or not all(a.isdigit() for a in arguments):
        raise CallboardError(f"Tessitura serves no reference table {table!r}; it serves "
                             f"{', '.join(sorted(REFERENCE_TABLES))}")
    return await with_arguments(client, *arguments)
