"""The ``custom_fields`` kind: Prospect2 contact custom fields, keyed by personalization tag.

Other objects (CSI webhook note fields, performance fields, imports) name a field by its
perstag (``%PERSTAG%``), so the perstag is its identity; the title is only a label. A
dropdown, listbox, radio or checkbox field carries its ``options`` (the choices, in order);
every field belongs to ``lists`` (``all``, the default, or named lists of the account).
How options and lists are changed is ``field_choices``'s business.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import cached_property
from typing import Any, ClassVar, Literal

from pydantic import ValidationInfo, field_validator

from engine.errors import ProviderError
from engine.kinds import Kind, LiveObject, ReferenceContext, ResourceSpec
from engine.references import Ref, resolve_ref
from providers.prospect2.kinds.field_choices import ALL_LISTS, CHOICE_TYPES, choice_calls
from providers.prospect2.kinds.field_writes import FieldWrites, WireField
from providers.prospect2.kinds.handler import Prospect2Handler
from providers.prospect2.limits import FieldText, Name
from providers.prospect2.reference import LISTS, Prospect2ListRef

FieldType = Literal["text", "textarea", "date", "datetime", "dropdown", "listbox", "radio",
                    "checkbox", "hidden"]

_PERSTAG = re.compile(r"^[A-Z0-9_]+$")
#: Fields written by ``PUT /fields/{id}``; options and lists have their own requests.
SCALARS = ("title", "type", "description", "perstag", "default", "visible")


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
    #: The choices of a dropdown, listbox, radio or checkbox field, in display order (each
    #: option's value and label are this text: the value is what contacts hold).
    options: list[str] = []
    lists: Literal["all"] | list[Prospect2ListRef] = ALL_LISTS

    @field_validator("perstag")
    @classmethod
    def _perstag_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        upper = value.upper()
        if not _PERSTAG.match(upper):
            raise ValueError("a perstag holds only letters, digits and _ (it is used as %TAG%)")
        return upper

    @field_validator("lists", mode="before")
    @classmethod
    def _all_or_names(cls, value: Any) -> Any:
        if value != ALL_LISTS and not isinstance(value, list):
            example = f"[{value}]" if isinstance(value, str) else "[Lakeside Newsletter]"
            raise ValueError(f"lists is all or a list of the account's list names, e.g. "
                             f"{example}")
        return value

    @field_validator("options")
    @classmethod
    def _distinct_options(cls, value: list[str], info: ValidationInfo) -> list[str]:
        """Spec §2, offline (``validate`` says it): ActiveCampaign refuses an option on a
        field of another type than dropdown, listbox, radio and checkbox."""
        kind = info.data.get("type")  # absent when the type itself was refused
        if value and kind is not None and kind not in CHOICE_TYPES:
            raise ValueError(f"a {kind} field takes no options; options belong to "
                             f"{', '.join(CHOICE_TYPES[:-1])} and {CHOICE_TYPES[-1]} fields")
        seen: set[str] = set()
        for option in value:
            if not option.strip():
                raise ValueError("an option cannot be blank")
            if option in seen:
                raise ValueError(f"the option {option!r} is listed twice")
            seen.add(option)
        return value


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
        for name, default in (("description", ""), ("default", ""), ("visible", True),
                              ("options", []), ("lists", ALL_LISTS)):
            if fields.get(name, default) != default:
                entry[name] = fields[name]
        return entry


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
    """Lists fields with their options and relations in one paged pass (``GET /fields``
    sideloads both); creates without duplicates when an answer is lost."""

    kind: ClassVar[Kind] = CustomFieldsKind()

    @cached_property
    def writes(self) -> FieldWrites:
        """Options and relations, over the handler's client."""
        return FieldWrites(self.client)

    async def list(self) -> list[LiveObject]:
        fields, loaded = await self.client.paged_with(
            "/fields", "fields", ("fieldOptions", "fieldRels"))
        return [await self.live(WireField.of(f, loaded)) for f in fields]

    async def read(self, remote_id: str) -> LiveObject | None:
        """One field with its options and relations: ``GET /fields/{id}``."""
        found = await self.writes.read(remote_id)
        return None if found is None else await self.live(found)

    async def live(self, wire: WireField) -> LiveObject:
        """A wire field in the kind's model, its lists labelled with the account's list names."""
        field = wire.field
        perstag = str(field.get("perstag") or "")
        shown = wire.lists()
        lists = shown if shown == ALL_LISTS else await self.vocabulary.refs(LISTS, list(shown))
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
                options=[o.value for o in wire.options],
                lists=lists,
            ),
            version=field.get("udate"),
        )

    async def resolve(self, spec: CustomFieldSpec, refs: ReferenceContext) -> CustomFieldSpec:
        """Named lists resolved against the account's lists (file:line for an unknown or an
        ambiguous name), kept in id order: a field's lists are a set."""
        if spec.lists == ALL_LISTS:
            return spec
        resolved: dict[str, Ref] = {}
        for index, value in enumerate(spec.lists):
            _, ref = await resolve_ref(refs.reference, value, field=f"lists.{index}",
                                       what="Prospect2 list")
            resolved.setdefault(str(ref.id), ref)
        ordered = sorted(resolved.values(), key=lambda ref: int(ref.id))
        return spec.model_copy(update={"lists": ordered})

    async def find_by_perstag(self, perstag: str) -> dict[str, Any] | None:
        """The field with this perstag; filtered by the service, checked exactly here."""
        found = await self.client.paged("/fields", "fields", {"filters[perstag]": perstag})
        for field in found:
            if str(field.get("perstag") or "").upper() == perstag.upper():
                return field
        return None

    async def create(self, spec: CustomFieldSpec) -> LiveObject:
        """The field, then its options in one bulk request and a relation per list."""
        created = await self.client.create(
            "/fields", "field", field_to_wire(spec),
            find_existing=lambda: self.find_by_perstag(str(spec.perstag)))
        wire = WireField(created, [], [])
        return await self.live(await self.writes.converge(wire, spec.options,
                                                          _list_ids(spec)))

    async def update(self, live: LiveObject, spec: CustomFieldSpec) -> LiveObject:
        """``PUT`` what changed of the field itself; options and lists from a fresh read of
        their ids, so a re-run after a failure does only what is left."""
        current: CustomFieldSpec = live.value  # type: ignore[assignment]
        field: dict[str, Any] | None = None
        if any(getattr(current, name) != getattr(spec, name) for name in SCALARS):
            field = await self.client.put(f"/fields/{live.remote_id}", "field",
                                          field_to_wire(spec))
        if current.options == spec.options and current.lists == spec.lists:
            if field is None:
                return live
            updated = await self.live(WireField(field, [], []))
            return replace(updated, value=updated.value.model_copy(
                update={"options": current.options, "lists": current.lists}))
        wire = await self.writes.read(live.remote_id)
        if wire is None:
            raise ProviderError(f"custom field {live.key} (id {live.remote_id}) was deleted "
                                "while being updated; plan again")
        if field is not None:
            wire = WireField(field, wire.options, wire.relations)
        return await self.live(await self.writes.converge(wire, spec.options,
                                                          _list_ids(spec)))

    async def delete(self, live: LiveObject) -> None:
        """The field goes with its options, relations and every contact's value."""
        await self.client.delete(f"/fields/{live.remote_id}", missing_ok=True)

    async def holders(self, remote_id: str, field_type: str, values: list[str]
                      ) -> tuple[dict[str, int], int]:
        """How many contacts hold each of ``values``, and the requests counting took."""
        return await self.writes.holders(remote_id, field_type, values)

    def estimated_calls_for(self, action: str, before: Mapping[str, Any] | None,
                            after: Mapping[str, Any] | None) -> int:
        """The field's own request, plus its options' and lists' (``field_choices``)."""
        if action == "adopt":
            return 0
        if action == "delete":
            return 1
        after = after or {}
        if action in ("create", "replace"):
            return (action == "replace") + 1 + choice_calls(None, after)
        before = before or {}
        own = any(before.get(name) != after.get(name) for name in SCALARS)
        choices = choice_calls(before, after)
        return int(own) + (1 + choices if choices else 0)


def _list_ids(spec: CustomFieldSpec) -> str | list[int]:
    if spec.lists == ALL_LISTS:
        return ALL_LISTS
    return [int(ref.id) for ref in spec.lists]
