"""The ``tags`` kind: Prospect2 contact tags, keyed by their name.

Data Syncs and imports refer to a tag by name, so the name is the tag's identity; the
manifest key is only the user's handle and doubles as the default name. A tag may stand for an
integrated Tessitura Contact Point Purpose (``contact_point_purpose``, ``tessituraPurposeId``
on the wire): a Data Sync with ``trigger_webhooks`` keeps that purpose on its addresses.
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import Kind, LiveObject, ReferenceContext, ResourceSpec
from engine.references import resolve_ref
from providers.prospect2.kinds.handler import Prospect2Handler
from providers.prospect2.kinds.tessitura_references import (
    CONTACT_POINT_PURPOSES,
    PurposeRef,
    ReferenceVocabulary,
)
from providers.prospect2.limits import Description, Name


class TagSpec(ResourceSpec):
    """A tag as the manifest declares it."""

    name: Name | None = None
    description: Description = ""
    #: An Email Address category purpose the tag stands for in Tessitura (seed 003).
    contact_point_purpose: PurposeRef | None = None


class TagsKind(Kind):
    name: ClassVar[str] = "tags"
    provider: ClassVar[str] = "prospect2"
    model: ClassVar[type[ResourceSpec]] = TagSpec
    description: ClassVar[str] = "Prospect2 contact tags (the name defaults to the manifest key)"

    def desired(self, name: str, spec: TagSpec) -> TagSpec:
        return spec if spec.name else spec.model_copy(update={"name": name})

    def key(self, value: TagSpec) -> str:
        return str(value.name)

    def manifest_entry(self, live: LiveObject) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": live.fields["name"]}
        for name in ("description", "contact_point_purpose"):
            if live.fields.get(name):
                entry[name] = live.fields[name]
        return entry


async def tag_from_wire(tag: dict[str, Any],
                        vocabulary: ReferenceVocabulary | None = None) -> LiveObject:
    """A wire tag (``{"id", "tag", "tagType", "description", "tessituraPurposeId"}``) in
    manifest vocabulary (the purpose labelled when ``vocabulary`` can read the table)."""
    name = str(tag.get("tag") or "")
    purpose = await (vocabulary or ReferenceVocabulary()).ref(
        CONTACT_POINT_PURPOSES, tag.get("tessituraPurposeId"))
    return LiveObject(
        kind=TagsKind.name,
        remote_id=str(tag["id"]),
        key=name,
        value=TagSpec.model_construct(name=name, description=tag.get("description") or "",
                                      contact_point_purpose=purpose),
    )


def tag_to_wire(spec: TagSpec) -> dict[str, Any]:
    purpose = spec.contact_point_purpose
    return {"tag": spec.name, "tagType": "contact", "description": spec.description or "",
            "tessituraPurposeId": purpose.id if purpose is not None else None}


def is_contact_tag(tag: dict[str, Any]) -> bool:
    """Template tags live in another namespace; only contact tags are ours to manage."""
    return (tag.get("tagType") or "contact") == "contact"


class TagsHandler(Prospect2Handler):
    """Lists tags in one paged pass; creates without duplicates when an answer is lost."""

    kind: ClassVar[Kind] = TagsKind()

    async def list(self) -> list[LiveObject]:
        tags = await self.client.paged("/tags", "tags")
        return [await tag_from_wire(t, self.vocabulary) for t in tags if is_contact_tag(t)]

    async def resolve(self, spec: TagSpec, refs: ReferenceContext) -> TagSpec:
        """The purpose resolved to its Tessitura row (the ``tag_contact_point_purpose`` rule
        then checks its category)."""
        if spec.contact_point_purpose is None:
            return spec
        _, purpose = await resolve_ref(refs.reference, spec.contact_point_purpose,
                                       field="contact_point_purpose",
                                       what="contact point purpose")
        return spec.model_copy(update={"contact_point_purpose": purpose})

    async def find_by_name(self, name: str) -> dict[str, Any] | None:
        """The contact tag with exactly this name (``search`` matches substrings)."""
        for tag in await self.client.paged("/tags", "tags", {"search": name}):
            if tag.get("tag") == name and is_contact_tag(tag):
                return tag
        return None

    async def create(self, spec: TagSpec) -> LiveObject:
        tag = await self.client.create(
            "/tags", "tag", tag_to_wire(spec),
            find_existing=lambda: self.find_by_name(str(spec.name)))
        return await tag_from_wire(tag, self.vocabulary)

    async def update(self, live: LiveObject, spec: TagSpec) -> LiveObject:
        tag = await self.client.put(f"/tags/{live.remote_id}", "tag", tag_to_wire(spec))
        return await tag_from_wire(tag, self.vocabulary)

    async def impact(self, live: LiveObject) -> str | None:
        """How many contacts lose the tag: one cheap paged read of its contacts' total."""
        page = await self.client.get("/contacts", {"tagid": live.remote_id, "limit": 1})
        total = int((page.get("meta") or {}).get("total") or 0)
        return f"carried by {total:,} contact{'s' if total != 1 else ''}"

    async def delete(self, live: LiveObject) -> None:
        await self.client.delete(f"/tags/{live.remote_id}", missing_ok=True)
