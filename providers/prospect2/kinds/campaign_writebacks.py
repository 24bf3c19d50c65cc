"""The ``campaign_writebacks`` kind: which sent campaigns are written back to Tessitura, and
under which appeal, source group and media type (seed 002).

The campaign form's Tessitura tab asks for those three per campaign; a mapping declares them
once for every campaign whose name matches a glob (or that carries a campaign tag), and
``writeback run`` records matching sent campaigns. The manifest key is the mapping's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

from engine.kinds import Kind, KindHandler, LiveObject, ReferenceContext, ResourceSpec
from engine.references import Reference
from providers.prospect2.client import Prospect2Client
from providers.prospect2.kinds.tessitura_references import ReferenceVocabulary, wire_id
from providers.prospect2.rules.writeback_codes import CODES, DEFAULT_MEDIA_TYPE

PATH = "/tessitura/writebackMappings"
#: Manifest match key -> wire match key.
MATCH_KEYS = {"campaign_name": "campaignName", "campaign_tag": "campaignTag"}


class WritebackMatch(BaseModel):
    """``{campaign_name: GLOB}`` or ``{campaign_tag: NAME}``: exactly one."""

    model_config = ConfigDict(extra="forbid")
    campaign_name: str | None = None
    campaign_tag: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> WritebackMatch:
        given = [k for k in MATCH_KEYS if getattr(self, k) not in (None, "")]
        if len(given) != 1:
            raise ValueError("match is exactly one of {campaign_name: GLOB} or "
                             "{campaign_tag: NAME}")
        return self


class CampaignWritebackSpec(ResourceSpec):
    """A writeback mapping as the manifest declares it."""

    match: WritebackMatch
    appeal: Reference
    source_group: Reference
    media_type: Reference = DEFAULT_MEDIA_TYPE


class CampaignWritebacksKind(Kind):
    name: ClassVar[str] = "campaign_writebacks"
    provider: ClassVar[str] = "prospect2"
    model: ClassVar[type[ResourceSpec]] = CampaignWritebackSpec
    description: ClassVar[str] = ("Prospect2 campaign writebacks: sent campaigns recorded in "
                                  "Tessitura under an appeal, source group and media type")

    def desired(self, name: str, spec: ResourceSpec) -> dict[str, Any]:
        fields = super().desired(name, spec)
        fields["match"] = {k: v for k, v in fields["match"].items() if v not in (None, "")}
        return {"name": name, **fields}

    def key(self, fields: Mapping[str, Any]) -> str:
        return str(fields["name"])

    def manifest_entry(self, live: LiveObject) -> dict[str, Any]:
        return {k: v for k, v in live.fields.items() if k != "name"}


class CampaignWritebacksHandler(KindHandler):
    """Lists mappings in one paged pass; creates without duplicates when an answer is lost."""

    def __init__(self, client: Prospect2Client,
                 vocabulary: ReferenceVocabulary | None = None) -> None:
        self.kind = CampaignWritebacksKind()
        self.client = client
        self.vocabulary = vocabulary or ReferenceVocabulary()

    async def list(self) -> list[LiveObject]:
        return [await self._live(m) for m in await self.client.paged(PATH, "writebackMappings")]

    async def _live(self, wire: dict[str, Any]) -> LiveObject:
        name = str(wire.get("name") or "")
        match = wire.get("match") or {}
        fields: dict[str, Any] = {
            "name": name,
            "match": {k: match[w] for k, w in MATCH_KEYS.items() if match.get(w)},
        }
        for field, wire_key in (("appeal", "appealId"), ("source_group", "sourceGroupId"),
                                ("media_type", "mediaTypeId")):
            fields[field] = await self.vocabulary.from_wire(CODES[field][0], wire.get(wire_key))
        return LiveObject(kind=self.kind.name, remote_id=str(wire["id"]), key=name,
                          fields=fields, version=wire.get("udate"))

    async def resolve(self, fields: dict[str, Any], refs: ReferenceContext) -> dict[str, Any]:
        """Seed 002: appeal, source group and media type must exist in Tessitura."""
        for field, (table, what, ui_form) in CODES.items():
            _, fields[field] = await self.vocabulary.resolve(
                fields[field], refs, table, field=field, what=what, ui_form=ui_form)
        return fields

    async def write_ready(self, fields: dict[str, Any],
                          refs: ReferenceContext) -> dict[str, Any]:
        ready = dict(fields)
        for field, (table, what, _) in CODES.items():
            ready[field] = await wire_id(fields[field], refs, table, field=field, what=what)
        return ready

    async def find_by_name(self, name: str) -> dict[str, Any] | None:
        for mapping in await self.client.paged(PATH, "writebackMappings"):
            if mapping.get("name") == name:
                return mapping
        return None

    async def create(self, fields: dict[str, Any]) -> LiveObject:
        created = await self.client.create(PATH, "writebackMapping", writeback_to_wire(fields),
                                           find_existing=lambda: self.find_by_name(
                                               fields["name"]))
        return await self._live(created)

    async def update(self, live: LiveObject, fields: dict[str, Any]) -> LiveObject:
        updated = await self.client.put(f"{PATH}/{live.remote_id}", "writebackMapping",
                                        writeback_to_wire(fields))
        return await self._live(updated)

    async def delete(self, live: LiveObject) -> None:
        await self.client.delete(f"{PATH}/{live.remote_id}", missing_ok=True)

    async def impact(self, live: LiveObject) -> str | None:
        return "campaigns it matches are no longer written back to Tessitura"


def writeback_to_wire(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``write_ready`` fields (codes as ids) in Prospect2's spelling."""
    return {
        "name": fields["name"],
        "match": {MATCH_KEYS[k]: v for k, v in fields["match"].items()},
        "appealId": fields["appeal"],
        "sourceGroupId": fields["source_group"],
        "mediaTypeId": fields["media_type"],
    }
