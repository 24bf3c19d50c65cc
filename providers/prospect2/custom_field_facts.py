"""Prospect2 custom fields as a Data Sync's contact data needs them: id, type, options.

The manifest and plans name a field by its perstag; the Data Sync wire (``fields[].fieldId``)
and the bulk import (``fields[].id``) take its id. One paged read of ``/fields`` maps the two;
a choice field's options (``GET /fields/{id}/options``) say which values fit it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from engine.sync.contact_data import CHOICE_TYPES
from engine.sync.ports import CustomFieldFacts
from providers.prospect2.client import Prospect2Client


def normalize_perstag(value: str) -> str:
    """``%membership_level%`` and ``membership_level`` both mean ``MEMBERSHIP_LEVEL``."""
    return value.strip().strip("%").upper()


async def perstags_by_id(client: Prospect2Client) -> dict[str, str]:
    """Every custom field's perstag by its id (one paged read)."""
    return {str(f["id"]): normalize_perstag(str(f.get("perstag") or ""))
            for f in await client.paged("/fields", "fields")}


async def field_options(client: Prospect2Client, field_id: str) -> tuple[str, ...]:
    page = await client.get(f"/fields/{field_id}/options")
    return tuple(str(o.get("value") or o.get("label") or "")
                 for o in page.get("fieldOptions") or [] if isinstance(o, dict))


async def custom_field_facts(client: Prospect2Client, perstags: Sequence[str]
                             ) -> dict[str, CustomFieldFacts]:
    """The fields with these perstags (absent ones left out), with a choice field's options."""
    wanted = {normalize_perstag(p) for p in perstags}
    fields = [f for f in await client.paged("/fields", "fields")
              if normalize_perstag(str(f.get("perstag") or "")) in wanted]

    async def facts(field: dict) -> CustomFieldFacts:
        kind = str(field.get("type") or "text")
        options = (await field_options(client, str(field["id"]))
                   if kind in CHOICE_TYPES else ())
        return CustomFieldFacts(str(field["id"]), normalize_perstag(str(field["perstag"])),
                                kind, options)

    found = await asyncio.gather(*(facts(f) for f in fields))
    return {f.perstag: f for f in found}
