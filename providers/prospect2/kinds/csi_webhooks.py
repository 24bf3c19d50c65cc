"""The ``csi_webhooks`` kind: Prospect2 webhooks that create Customer Service Issues (seeds
000, 001).

A webhook is identified by its title (unique on the integration dashboard). Its ``url``
carries a secret token: it goes to ``LiveObject.secrets`` only. The activity type may be one
the same manifests declare under ``activity_types`` and the same apply creates, so its id is
looked up in ``write_ready``, just before writing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from engine.kinds import Kind, KindHandler, LiveObject, ReferenceContext, ReferenceRow, ResourceSpec
from engine.references import Reference, match_reference
from providers.prospect2.client import Prospect2Client
from providers.prospect2.kinds.tessitura_references import (
    ReferenceVocabulary,
    lenient_match,
    wire_id,
)
from providers.prospect2.rules import (
    csi_activity_type_origin,
    csi_activity_type_perf_ind,
    csi_auto_close,
    csi_note_fields,
    csi_notes_length,
    csi_performance_field,
    csi_unique_title,
)
from providers.prospect2.rules.custom_field_perstags import known_perstags

PATH = "/tessitura/csiWebhooks"


class CsiWebhookSpec(ResourceSpec):
    """A CSI webhook as the manifest declares it."""

    title: str
    description: str = ""
    contact_method: Reference
    activity_type: Reference
    performance_field: str | None = None
    notes: str = ""
    note_fields: list[str] = []
    urgent: bool = False
    enabled: bool = True


class CsiWebhooksKind(Kind):
    name: ClassVar[str] = "csi_webhooks"
    provider: ClassVar[str] = "prospect2"
    model: ClassVar[type[ResourceSpec]] = CsiWebhookSpec
    secret_fields: ClassVar[frozenset[str]] = frozenset({"url"})
    depends_on: ClassVar[tuple[str, ...]] = ("activity_types", "custom_fields")
    description: ClassVar[str] = ("Prospect2 CSI webhooks: automations create Tessitura "
                                  "Customer Service Issues (identified by title)")

    def desired(self, name: str, spec: ResourceSpec) -> dict[str, Any]:
        fields = super().desired(name, spec)
        fields["title"] = fields["title"].strip()
        if not fields["title"]:
            raise ValueError("title must not be empty")
        return fields

    def key(self, fields: Mapping[str, Any]) -> str:
        return str(fields["title"])


@dataclass(frozen=True)
class ActivityTypeChoice:
    """What the rules need to know about the activity type a webhook names."""

    description: str
    perf_ind: str
    category: Any
    row: ReferenceRow | None
    #: The live (and resolved desired) value: the row's, or the declared description.
    value: Any


class CsiWebhooksHandler(KindHandler):
    """Lists webhooks in one paged pass; creates without duplicates when an answer is lost."""

    def __init__(self, client: Prospect2Client,
                 vocabulary: ReferenceVocabulary | None = None) -> None:
        self.kind = CsiWebhooksKind()
        self.client = client
        self.vocabulary = vocabulary or ReferenceVocabulary()

    async def list(self) -> list[LiveObject]:
        return [await self._live(w) for w in await self.client.paged(PATH, "csiWebhooks")]

    async def _live(self, wire: dict[str, Any]) -> LiveObject:
        title = str(wire.get("title") or "")
        vocabulary = self.vocabulary
        return LiveObject(
            kind=self.kind.name,
            remote_id=str(wire["id"]),
            key=title,
            fields={
                "title": title,
                "description": wire.get("description") or "",
                "contact_method": await vocabulary.from_wire("tessitura.contact_types",
                                                             wire.get("contactMethodId")),
                "activity_type": await vocabulary.from_wire("tessitura.activity_types",
                                                            wire.get("activityTypeId")),
                "performance_field": wire.get("performanceField") or None,
                "notes": wire.get("notes") or "",
                "note_fields": list(wire.get("noteFields") or []),
                "urgent": bool(wire.get("urgent")),
                "enabled": bool(wire.get("active")),
            },
            secrets={"url": str(wire["url"])} if wire.get("url") else {},
            version=wire.get("udate"),
        )

    async def resolve(self, fields: dict[str, Any], refs: ReferenceContext) -> dict[str, Any]:
        """References to live vocabulary, and every seed 000/001 rule."""
        title = fields["title"]
        declared = [d["title"] for d in (refs.desired_fields(self.kind.name, n)
                                         for n in refs.managed_names(self.kind.name)) if d]
        csi_unique_title.check_declared(title, declared)
        clash = csi_unique_title.live_case_clash(title, await refs.live_objects(self.kind.name))
        if clash:
            refs.warn("title", clash)

        _, fields["contact_method"] = await self.vocabulary.resolve(
            fields["contact_method"], refs, "tessitura.contact_types", field="contact_method",
            what="contact method")
        choice = await self._activity_type(fields["activity_type"], refs)
        fields["activity_type"] = choice.value
        csi_activity_type_perf_ind.check(choice.description, choice.perf_ind)
        if choice.row is not None:
            csi_activity_type_origin.check(choice.description, choice.row.id,
                                           await refs.reference("tessitura.origins"))
        await self._warn_auto_close(choice, refs)

        known = await known_perstags(refs)
        fields["performance_field"] = csi_performance_field.check(
            fields.get("performance_field"), choice.description,
            csi_activity_type_perf_ind.is_performance(choice.perf_ind), known)
        fields["note_fields"] = csi_note_fields.check(fields.get("note_fields") or [], known)
        notes_warning = csi_notes_length.check(fields.get("notes") or "",
                                               fields["note_fields"], known.type_of)
        if notes_warning:
            refs.warn("notes", notes_warning)
        return fields

    async def _activity_type(self, value: Any, refs: ReferenceContext) -> ActivityTypeChoice:
        """The live row the value names, else an ``activity_types`` resource declaring it."""
        rows = await refs.reference("tessitura.activity_types")
        declared = _declared_activity_type(value, refs)
        if declared is None:
            row = match_reference(value, rows, field="activity_type", what="activity type")
            return ActivityTypeChoice(row.description, str(row.data.get("perf_ind") or "none"),
                                      {"id": row.data.get("category_id")}, row,
                                      self.vocabulary.value(row, rows))
        row = next((r for r in rows if r.description.casefold() == value.casefold()), None)
        description = str(declared["description"])
        return ActivityTypeChoice(description, str(declared.get("perf_ind") or "none"),
                                  declared.get("category"), row,
                                  self.vocabulary.value(row, rows) if row else description)

    async def _warn_auto_close(self, choice: ActivityTypeChoice, refs: ReferenceContext) -> None:
        categories = await refs.reference("tessitura.activity_categories")
        category = lenient_match(choice.category, categories)
        if category is not None:
            warning = csi_auto_close.warning(choice.description, category.description,
                                             bool(category.data.get("auto_close")))
            if warning:
                refs.warn("activity_type", warning)

    async def write_ready(self, fields: dict[str, Any],
                          refs: ReferenceContext) -> dict[str, Any]:
        """Wire ids for the references, from fresh reads (an activity type made moments ago)."""
        ready = dict(fields)
        ready["contact_method"] = await wire_id(fields["contact_method"], refs,
                                                "tessitura.contact_types",
                                                field="contact_method", what="contact method")
        ready["activity_type"] = await wire_id(fields["activity_type"], refs,
                                               "tessitura.activity_types",
                                               field="activity_type", what="activity type")
        return ready

    async def find_by_title(self, title: str) -> dict[str, Any] | None:
        for webhook in await self.client.paged(PATH, "csiWebhooks"):
            if str(webhook.get("title") or "").casefold() == title.casefold():
                return webhook
        return None

    async def create(self, fields: dict[str, Any]) -> LiveObject:
        created = await self.client.create(PATH, "csiWebhook", webhook_to_wire(fields),
                                           find_existing=lambda: self.find_by_title(
                                               fields["title"]))
        return await self._live(created)

    async def update(self, live: LiveObject, fields: dict[str, Any]) -> LiveObject:
        updated = await self.client.put(f"{PATH}/{live.remote_id}", "csiWebhook",
                                        webhook_to_wire(fields))
        return await self._live(updated)

    async def delete(self, live: LiveObject) -> None:
        await self.client.delete(f"{PATH}/{live.remote_id}", missing_ok=True)

    async def impact(self, live: LiveObject) -> str | None:
        return "automations using its URL stop creating CSIs"


def _declared_activity_type(value: Any, refs: ReferenceContext) -> dict[str, Any] | None:
    """The desired fields of the ``activity_types`` resource described ``value``, if any."""
    if not isinstance(value, str):
        return None
    for name in refs.managed_names("activity_types"):
        declared = refs.desired_fields("activity_types", name)
        if declared and str(declared.get("description", "")).casefold() == value.casefold():
            return declared
    return None


def webhook_to_wire(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``write_ready`` fields (references as ids) in Prospect2's spelling."""
    return {
        "title": fields["title"],
        "description": fields.get("description") or "",
        "contactMethodId": fields["contact_method"],
        "activityTypeId": fields["activity_type"],
        "performanceField": fields.get("performance_field"),
        "notes": fields.get("notes") or "",
        "noteFields": list(fields.get("note_fields") or []),
        "urgent": bool(fields.get("urgent")),
        "active": bool(fields.get("enabled", True)),
    }


