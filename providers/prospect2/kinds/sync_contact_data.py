"""A Data Sync's ``contact_data``: output-set columns carried into Prospect2 custom fields.

The manifest names fields by their ``custom_fields`` NAME or perstag and the output set by its
description or ``{id: N}``; plans and state show perstags and the set's description. The wire
holds ``outputSetId`` (null: the list's own set) and ``fields: [{fieldId, column}]``, so a
field's id is looked up when the sync is written and its perstag when it is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, field_validator

from engine.errors import ProviderError
from engine.kinds import FieldProblem, ReferenceContext
from engine.references import Ref, ReferenceTo, resolve_ref
from providers.prospect2.custom_field_facts import normalize_perstag
from providers.prospect2.kinds.tessitura_references import OUTPUT_SETS, ReferenceVocabulary

OutputSetRef = Annotated[Ref, ReferenceTo(OUTPUT_SETS)]


class ContactData(BaseModel):
    """``fields`` maps a custom field (NAME or perstag) to the output-set column filling it."""

    model_config = ConfigDict(extra="forbid")
    output_set: OutputSetRef | None = None
    fields: dict[str, str]

    @field_validator("fields")
    @classmethod
    def _some(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError("name at least one custom field and the column that fills it")
        for key, column in value.items():
            if not str(column).strip():
                raise ValueError(f"{key}: name the output-set column that fills it")
        return value


def declared_perstags(refs: ReferenceContext) -> dict[str, str]:
    """Each declared ``custom_fields`` NAME mapped to its perstag."""
    found: dict[str, str] = {}
    for name in refs.managed_names("custom_fields"):
        perstag = getattr(refs.desired("custom_fields", name), "perstag", None)
        if perstag:
            found[name] = normalize_perstag(str(perstag))
    return found


async def resolve_contact_data(contact: ContactData | None,
                               refs: ReferenceContext) -> ContactData | None:
    """The output set resolved to its row and each field to its perstag (a NAME of a
    declared custom field wins; otherwise the key is the perstag itself, and the
    ``sync_contact_data`` rule says whether such a field exists)."""
    if contact is None:
        return None
    output_set = None
    if contact.output_set is not None:
        _, output_set = await resolve_ref(refs.reference, contact.output_set,
                                          field="contact_data.output_set", what="output set")
    names = declared_perstags(refs)
    fields: dict[str, str] = {}
    written: dict[str, str] = {}
    for key, column in contact.fields.items():
        perstag = names.get(key) or normalize_perstag(key)
        if perstag in fields:
            raise FieldProblem(f"contact_data.fields.{key}", (
                f"{key} and {written[perstag]} both fill the custom field {perstag}; a field "
                "takes one column"))
        fields[perstag], written[perstag] = column.strip(), key
    return contact.model_copy(update={"output_set": output_set, "fields": fields})


async def contact_data_from_wire(wire: Mapping[str, Any], vocabulary: ReferenceVocabulary,
                                 perstags: Mapping[str, str]) -> ContactData | None:
    """None when the sync carries no contact data (no fields, the list's own set)."""
    items = [f for f in wire.get("fields") or [] if isinstance(f, Mapping)]
    if not items and wire.get("outputSetId") is None:
        return None
    return ContactData.model_construct(
        output_set=await vocabulary.ref(OUTPUT_SETS, wire.get("outputSetId")),
        fields={perstags.get(str(f.get("fieldId")), f"FIELD_{f.get('fieldId')}"):
                str(f.get("column") or "") for f in items})


def contact_data_to_wire(contact: ContactData | None,
                         field_ids: Mapping[str, str]) -> dict[str, Any]:
    """``outputSetId`` and ``fields``; ``field_ids`` maps perstags to the ids Prospect2 has
    now (read after apply created any declared field)."""
    if contact is None:
        return {"outputSetId": None, "fields": []}
    missing = sorted(p for p in contact.fields if p not in field_ids)
    if missing:
        raise ProviderError(f"custom field {', '.join(missing)} does not exist in Prospect2, "
                            "so the Data Sync cannot fill it; plan again")
    return {"outputSetId": contact.output_set.id if contact.output_set else None,
            "fields": [{"fieldId": field_ids[p], "column": c}
                       for p, c in contact.fields.items()]}
