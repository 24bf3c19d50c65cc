"""The ``tags`` kind: Prospect2 contact tags, keyed by their name.

Data Syncs and imports refer to a tag by name, so the name is the tag's identity; the
manifest key is only the user's handle and doubles as the default name.
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import Kind, LiveObject, ResourceSpec
from providers.prospect2.kinds.handler import Prospect2Handler
from providers.prospect2.limits import Description, Name


class TagSpec(ResourceSpec):
    """A tag as the manifest declares it."""

    name: Name | None = None
    description: Description = ""


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
        if live.fields.get("description"):
            entry["description"] = live.fields["description"]
        return entry


def tag_from_wire(tag: dict[str, Any]) -> LiveObject:
    """A wire tag (``{"id", "tag", "tagType", "description"}``) in manifest vocabulary."""
    name = str(tag.get("tag") or "")
    return LiveObject(
        kind=TagsKind.name,
        remote_id=str(tag["id"]),
        key=name,
        value=TagSpec.model_construct(name=name, description=tag.get("description") or ""),
    )


def tag_to_wire(spec: TagSpec) -> dict[str, Any]:
    return {"tag": spec.name, "tagType": "contact", "description": spec.description or ""}


def is_contact_tag(tag: dict[str, Any]) -> bool:
    """Template tags live in another namespace; only contact tags are ours to manage."""
    return (tag.get("tagType") or "contact") == "contact"


class TagsHandler(Prospect2Handler):
    """Lists tags in one paged pass; creates without duplicates when an answer is lost."""

    kind: ClassVar[Kind] = TagsKind()

    async def list(self) -> list[LiveObject]:
        tags = await self.client.paged("/tags", "tags")
        return [tag_from_wire(t) for t in tags if is_contact_tag(t)]

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
        return tag_from_wire(tag)

    async def update(self, live: LiveObject, spec: TagSpec) -> LiveObject:
        tag = await self.client.put(f"/tags/{live.remote_id}", "tag", tag_to_wire(spec))
        return tag_from_wire(tag)

    async def impact(self, live: LiveObject) -> str | None:
        """How many contacts lose the tag: one cheap paged read of its contacts' total."""
        page = await self.client.get("/contacts", {"tagid": live.remote_id, "limit": 1})
        total = int((page.get("meta") or {}).get("total") or 0)
        return f"carried by {total:,} contact{'s' if total != 1 else ''}"

    async def delete(self, live: LiveObject) -> None:
        await self.client.delete(f"/tags/{live.remote_id}", missing_ok=True)
