"""The ``custom_fields`` kind: Prospect2 contact custom fields, keyed by personalization tag.

Other objects (CSI webhook note fields, performance fields, imports) name a field by its
perstag (``%PERSTAG%``), so the perstag is its identity; the title is only a label.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import field_validator

from engine.kinds import Kind, LiveObject, ResourceSpec
from providers.prospect2.kinds.handler import Prospect2Handler
from providers.prospect2.limits import FieldText, Name

FieldType = Literal["text", "textarea", "date", "datetime", "dropdown", "listbox", "radio",
                    "checkbox", "hidden"]

_PERSTAG = re.compile(r"^[A-Z0-9_]+$")


def default_perstag(title: str) -> str:
    """The perstag a title implies: upper-cased, every non-alphanumeric as ``_``."""
    return re.sub(r"[^A-Z0-9]", "_", title.upper())


class CustomFieldSpec(ResourceSpec):
    """A custom field as the manifest declares it."""

    title: Name
    type: FieldType
    description: FieldText = ""
    perstag: str | None = None
    default: FieldText = ""
    visible: bool = True

    @field_validator("perstag")
    @classmethod
    def _perstag_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        upper = value.upper()
        if not _PERSTAG.match(upper):
            raise ValueError("a perstag holds only letters, digits and _ (it is used as %TAG%)")
        return upper


class CustomFieldsKind(Kind):
    name: ClassVar[str] = "custom_fields"
    provider: ClassVar[str] = "prospect2"
    model: ClassVar[type[ResourceSpec]] = CustomFieldSpec
    # ActiveCampaign cannot change a field's type in place (stored values would not fit), and
    # the perstag is the identity other objects refer to: changing either means a new field.
    replace_fields: ClassVar[frozenset[str]] = frozenset({"type", "perstag"})
    description: ClassVar[str] = "Prospect2 contact custom fields, identified by perstag"

    def desired(self, name: str, spec: CustomFieldSpec) -> CustomFieldSpec:
        if spec.perstag:
            return spec
        return spec.model_copy(update={"perstag": default_perstag(spec.title)})

    def key(self, value: CustomFieldSpec) -> str:
        return str(value.perstag)

    def manifest_entry(self, live: LiveObject) -> dict[str, Any]:
        """Only what differs from the defaults, so generated manifests stay short."""
        fields = live.fields
        entry: dict[str, Any] = {"title": fields["title"], "type": fields["type"]}
        if fields.get("perstag") != default_perstag(fields["title"]):
            entry["perstag"] = fields["perstag"]
        for name, default in (("description", ""), ("default", ""), ("visible", True)):
            if fields.get(name) != default:
                entry[name] = fields[name]
        return entry


def field_from_wire(field: dict[str, Any]) -> LiveObject:
    """A wire field (``title, type, descript, perstag, defval, visible``) in the kind's model."""
    perstag = str(field.get("perstag") or "")
    return LiveObject(
        kind=CustomFieldsKind.name,
        remote_id=str(field["id"]),
        key=perstag,
        value=CustomFieldSpec.model_construct(
            title=field.get("title") or "",
            type=field.get("type") or "",
            description=field.get("descript") or "",
            perstag=perstag,
            default=field.get("defval") or "",
            visible=_wire_bool(field.get("visible", True)),
        ),
        version=field.get("udate"),
    )


def field_to_wire(spec: CustomFieldSpec) -> dict[str, Any]:
    return {
        "title": spec.title,
        "type": spec.type,
        "descript": spec.description or "",
        "perstag": spec.perstag,
        "defval": spec.default or "",
        "visible": bool(spec.visible),
    }


def _wire_bool(value: Any) -> bool:
    """ActiveCampaign sends flags as ``"1"``/``"0"``, ``1``/``0`` or booleans."""
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no")
    return bool(value)


class CustomFieldsHandler(Prospect2Handler):
    """Lists fields in one paged pass; creates without duplicates when an answer is lost."""

    kind: ClassVar[Kind] = CustomFieldsKind()

    async def list(self) -> list[LiveObject]:
        return [field_from_wire(f) for f in await self.client.paged("/fields", "fields")]

    async def find_by_perstag(self, perstag: str) -> dict[str, Any] | None:
        """The field with this perstag; filtered by the service, checked exactly here."""
        found = await self.client.paged("/fields", "fields", {"filters[perstag]": perstag})
        for field in found:
            if str(field.get("perstag") or "").upper() == perstag.upper():
                return field
        return None

    async def create(self, spec: CustomFieldSpec) -> LiveObject:
        created = await self.client.create(
            "/fields", "field", field_to_wire(spec),
            find_existing=lambda: self.find_by_perstag(str(spec.perstag)))
        return field_from_wire(created)

    async def update(self, live: LiveObject, spec: CustomFieldSpec) -> LiveObject:
        updated = await self.client.put(f"/fields/{live.remote_id}", "field",
                                        field_to_wire(spec))
        return field_from_wire(updated)

    async def delete(self, live: LiveObject) -> None:
        await self.client.delete(f"/fields/{live.remote_id}", missing_ok=True)
