"""Tessitura reference data in Prospect2's integration kinds.

Prospect2 stores Tessitura ids (``activityTypeId: 10``); manifests name the row by its
description or ``{id: N}``. Both become ``Ref``s of the table (``engine.references``), compared
by id and shown by label, so a handler labels a wire id once when it lists (with the tables the
session reads, when it was given that reader) and writes ``ref.id`` back.
"""

from __future__ import annotations

from typing import Annotated, Any

from engine.references import Ref, ReferenceReader, ReferenceTo

ACTIVITY_TYPES = "tessitura.activity_types"
ACTIVITY_CATEGORIES = "tessitura.activity_categories"
CONTACT_TYPES = "tessitura.contact_types"
LISTS = "tessitura.lists"
CONTACT_POINT_PURPOSES = "tessitura.contact_point_purposes"
CONTACT_POINT_CATEGORIES = "tessitura.contact_point_categories"
EADDRESS_TYPES = "tessitura.eaddress_types"
ORIGINS = "tessitura.origins"
APPEALS = "tessitura.appeals"
SOURCE_GROUPS = "tessitura.source_groups"
MEDIA_TYPES = "tessitura.media_types"
OUTPUT_SETS = "tessitura.output_sets"


def output_set_columns_table(output_set_id: Any) -> str:
    """The table of one output set's columns (a table with an argument: ``…/31``)."""
    return f"tessitura.output_set_columns/{output_set_id}"


def list_results_table(list_id: Any, output_set_id: Any) -> str:
    """The first page of a list's results in an output set (a sample of its values)."""
    return f"tessitura.list_results/{list_id}/{output_set_id}"

ActivityTypeRef = Annotated[Ref, ReferenceTo(ACTIVITY_TYPES)]
ContactTypeRef = Annotated[Ref, ReferenceTo(CONTACT_TYPES)]
ListRef = Annotated[Ref, ReferenceTo(LISTS)]
PurposeRef = Annotated[Ref, ReferenceTo(CONTACT_POINT_PURPOSES)]
EaddressTypeRef = Annotated[Ref, ReferenceTo(EADDRESS_TYPES)]
AppealRef = Annotated[Ref, ReferenceTo(APPEALS)]
SourceGroupRef = Annotated[Ref, ReferenceTo(SOURCE_GROUPS)]
MediaTypeRef = Annotated[Ref, ReferenceTo(MEDIA_TYPES)]


class ReferenceVocabulary:
    """Labels the Tessitura ids Prospect2 sends (``ref``), with the tables ``reader`` reads."""

    def __init__(self, reader: ReferenceReader | None = None) -> None:
        self.reader = reader

    async def ref(self, table: str, wire_id: Any) -> Ref | None:
        """The ``Ref`` of a wire id (None stays None); unlabelled without a reader or a row."""
        if wire_id is None:
            return None
        if self.reader is None:
            return Ref(table, wire_id)
        rows = await self.reader(table)
        row = next((r for r in rows if str(r.id) == str(wire_id)), None)
        return Ref.of_row(table, row, rows) if row is not None else Ref(table, wire_id)

    async def refs(self, table: str, wire_ids: list[Any] | None) -> list[Ref]:
        return [ref for i in wire_ids or [] if (ref := await self.ref(table, i)) is not None]
