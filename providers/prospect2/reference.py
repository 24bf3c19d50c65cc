"""Prospect2's own reference data: the account's lists, which a custom field's ``lists`` names.

A manifest names a list by its name (or ``{id: N}``); planning resolves it against the live
lists, failing with file:line when none or several are called so (``engine.references``).
"""

from __future__ import annotations

from typing import Annotated

from engine.errors import CallboardError
from engine.kinds import ReferenceRow
from engine.references import Ref, ReferenceTo
from providers.prospect2.client import Prospect2Client

LISTS = "prospect2.lists"
REFERENCE_TABLES = frozenset({LISTS})

#: A model field naming one of the account's lists.
Prospect2ListRef = Annotated[Ref, ReferenceTo(LISTS)]


async def read_reference_table(client: Prospect2Client, table: str) -> list[ReferenceRow]:
    """Every row of ``table``: one paged read of ``GET /lists``."""
    if table != LISTS:
        raise CallboardError(f"prospect2 serves no reference table {table!r}")
    return [ReferenceRow(id=int(row["id"]), description=str(row.get("name") or ""),
                         data={"stringid": row.get("stringid")})
            for row in await client.paged("/lists", "lists")]
