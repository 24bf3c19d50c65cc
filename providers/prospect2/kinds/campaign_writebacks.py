"""The ``campaign_writebacks`` kind: which sent campaigns are written back to Tessitura, and
under which appeal, source group and media type (seed 002).

The campaign form's Tessitura tab asks for those three per campaign; a mapping declares them
once for every campaign whose name matches a glob (or that carries a campaign tag), and
``writeback run`` records matching sent campaigns sent on or after the mapping's ``since``
(by default the day the mapping was made, so a new mapping never back-fills old campaigns by
surprise). The manifest key is the mapping's name.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator
from pydantic.json_schema import SkipJsonSchema

from engine.kinds import Kind, LiveObject, ReferenceContext, ResourceSpec
from engine.references import resolve_ref
from providers.prospect2.kinds.handler import Prospect2Handler
from providers.prospect2.kinds.tessitura_references import (
    AppealRef,
    MediaTypeRef,
    SourceGroupRef,
)
from providers.prospect2.limits import Name
from providers.prospect2.rules.sync_tag import tag_name
from providers.prospect2.rules.writeback_codes import CODES, DEFAULT_MEDIA_TYPE

PATH = "/tessitura/writebackMappings"
#: Manifest match key -> wire match key.
MATCH_KEYS = {"campaign_name": "campaignName", "campaign_tag": "campaignTag"}
#: Reference field -> its wire key.
WIRE_CODES = {"appeal": "appealId", "source_group": "sourceGroupId", "media_type": "mediaTypeId"}


class WritebackMatch(BaseModel):
    """``{campaign_name: GLOB}`` or ``{campaign_tag: NAME}``: exactly one."""

    model_config = ConfigDict(extra="forbid")
    campaign_name: Name | None = None
    campaign_tag: Name | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> WritebackMatch:
        if len(self.given()) != 1:
            raise ValueError("match is exactly one of {campaign_name: GLOB} or "
                             "{campaign_tag: NAME}")
        return self

    def given(self) -> dict[str, str]:
        return {k: v for k in MATCH_KEYS if (v := getattr(self, k)) not in (None, "")}

    @model_serializer(mode="plain")
    def _as_manifest(self) -> dict[str, str]:
        return self.given()


class CampaignWritebackSpec(ResourceSpec):
    """A writeback mapping (the manifest's NAME is its name)."""

    derived: ClassVar[frozenset[str]] = frozenset({"name"})
    name: SkipJsonSchema[str] = ""
    match: WritebackMatch
    appeal: AppealRef
    source_group: SourceGroupRef
    media_type: MediaTypeRef = Field(DEFAULT_MEDIA_TYPE, validate_default=True)
    #: Campaigns sent before this day are not written back; omitted: the mapping keeps the
    #: day it holds (Prospect2 answers its creation day when none was ever set).
    since: date | None = None


class CampaignWritebacksKind(Kind):
    name: ClassVar[str] = "campaign_writebacks"
    provider: ClassVar[str] = "prospect2"
    model: ClassVar[type[ResourceSpec]] = CampaignWritebackSpec
    #: A mapping by campaign tag names a tag (its NAME or name), resolved as a Data Sync's is.
    depends_on: ClassVar[tuple[str, ...]] = ("tags",)
    description: ClassVar[str] = ("Prospect2 campaign writebacks: sent campaigns recorded in "
                                  "Tessitura under an appeal, source group and media type")

    def desired(self, name: str, spec: CampaignWritebackSpec) -> CampaignWritebackSpec:
        return spec.model_copy(update={"name": name})

    def key(self, value: CampaignWritebackSpec) -> str:
        return str(value.name)

    def manifest_entry(self, live: LiveObject) -> dict[str, Any]:
        return {k: v for k, v in live.fields.items() if k != "name"}

    def refers_to(self, value: CampaignWritebackSpec) -> list[tuple[str, str]]:
        """The tag a mapping by campaign tag names (a tags NAME, or the tag's own name)."""
        tag = value.match.campaign_tag
        return [("tags", str(tag))] if tag else []


class CampaignWritebacksHandler(Prospect2Handler):
    """Lists mappings in one paged pass; creates without duplicates when an answer is lost."""

    kind: ClassVar[Kind] = CampaignWritebacksKind()

    async def list(self) -> list[LiveObject]:
        return [await self._live(m) for m in await self.client.paged(PATH, "writebackMappings")]

    async def _live(self, wire: dict[str, Any]) -> LiveObject:
        name = str(wire.get("name") or "")
        match = wire.get("match") or {}
        codes = {field: await self.vocabulary.ref(CODES[field][0], wire.get(wire_key))
                 for field, wire_key in WIRE_CODES.items()}
        value = CampaignWritebackSpec.model_construct(
            name=name, match=WritebackMatch.model_construct(
                **{k: match[w] for k, w in MATCH_KEYS.items() if match.get(w)}), **codes,
            since=_day(wire.get("since")))
        return LiveObject(kind=self.kind.name, remote_id=str(wire["id"]), key=name,
                          value=value, version=wire.get("udate"))

    async def resolve(self, spec: CampaignWritebackSpec,
                      refs: ReferenceContext) -> CampaignWritebackSpec:
        """Seed 002: appeal, source group and media type must exist in Tessitura; a campaign
        tag named by its tags NAME becomes the tag's name (``writeback_campaign_tag`` checks
        that it exists)."""
        resolved: dict[str, Any] = {}
        if spec.match.campaign_tag:
            resolved["match"] = spec.match.model_copy(
                update={"campaign_tag": tag_name(spec.match.campaign_tag, refs)})
        for field, (_, what, ui_form) in CODES.items():
            _, resolved[field] = await resolve_ref(refs.reference, getattr(spec, field),
                                                   field=field, what=what, ui_form=ui_form)
        if spec.since is None:  # keep what the live mapping holds (its creation day)
            live = next((o for o in await refs.live_objects(self.kind.name)
                         if o.key == spec.name), None)
            resolved["since"] = live.value.since if live is not None else None
        return spec.model_copy(update=resolved)

    async def find_by_name(self, name: str) -> dict[str, Any] | None:
        for mapping in await self.client.paged(PATH, "writebackMappings"):
            if mapping.get("name") == name:
                return mapping
        return None

    async def create(self, spec: CampaignWritebackSpec) -> LiveObject:
        created = await self.client.create(PATH, "writebackMapping", writeback_to_wire(spec),
                                           find_existing=lambda: self.find_by_name(spec.name))
        return await self._live(created)

    async def update(self, live: LiveObject, spec: CampaignWritebackSpec) -> LiveObject:
        updated = await self.client.put(f"{PATH}/{live.remote_id}", "writebackMapping",
                                        writeback_to_wire(spec))
        return await self._live(updated)

    async def delete(self, live: LiveObject) -> None:
        await self.client.delete(f"{PATH}/{live.remote_id}", missing_ok=True)

    async def impact(self, live: LiveObject) -> str | None:
        return "campaigns it matches are no longer written back to Tessitura"


def writeback_to_wire(spec: CampaignWritebackSpec) -> dict[str, Any]:
    """A mapping in Prospect2's spelling (references as the ids the plan resolved)."""
    return {
        "name": spec.name,
        "match": {MATCH_KEYS[k]: v for k, v in spec.match.given().items()},
        **{wire_key: getattr(spec, field).id for field, wire_key in WIRE_CODES.items()},
        "since": spec.since.isoformat() if spec.since else None,
    }


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
