"""The ``csi_webhooks`` kind: Prospect2 webhooks that create Customer Service Issues (seeds
000, 001).

A webhook is identified by its title (unique on the integration dashboard). Its ``url``
carries a secret token: it goes to ``LiveObject.secrets`` only. The activity type may be one
the same manifests declare under ``activity_types`` and the same apply creates: its ``Ref``
then has no id at plan time, and apply looks the id up just before writing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from engine.kinds import Kind, KindHandler, LiveObject, ReferenceContext, ReferenceRow, ResourceSpec
from engine.references import Ref, match_reference, resolve_ref, row_of
from providers.prospect2.client import Prospect2Client
from providers.prospect2.kinds.tessitura_references import (
    ACTIVITY_CATEGORIES,
    ACTIVITY_TYPES,
    CONTACT_TYPES,
    ORIGINS,
    ActivityTypeRef,
    ContactTypeRef,
    ReferenceVocabulary,
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
    contact_method: ContactTypeRef
    activity_type: ActivityTypeRef
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

    def desired(self, name: str, spec: CsiWebhookSpec) -> CsiWebhookSpec:
        title = spec.title.strip()
        if not title:
            raise ValueError("title must not be empty")
        return spec.model_copy(update={"title": title})

    def key(self, value: CsiWebhookSpec) -> str:
        return str(value.title)


@dataclass(frozen=True)
class ActivityTypeChoice:
    """What the rules need to know about the activity type a webhook names."""

    description: str
    perf_ind: str
    category: Ref | None
    row: ReferenceRow | None
    #: The resolved reference: the row's, or (declared, made by this apply) its description.
    value: Ref


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
        return LiveObject(
            kind=self.kind.name,
            remote_id=str(wire["id"]),
            key=title,
            value=CsiWebhookSpec.model_construct(
                title=title,
                description=wire.get("description") or "",
                contact_method=await self.vocabulary.ref(CONTACT_TYPES,
                                                         wire.get("contactMethodId")),
                activity_type=await self.vocabulary.ref(ACTIVITY_TYPES,
                                                        wire.get("activityTypeId")),
                performance_field=wire.get("performanceField") or None,
                notes=wire.get("notes") or "",
                note_fields=list(wire.get("noteFields") or []),
                urgent=bool(wire.get("urgent")),
                enabled=bool(wire.get("active")),
            ),
            secrets={"url": str(wire["url"])} if wire.get("url") else {},
            version=wire.get("udate"),
        )

    async def resolve(self, spec: CsiWebhookSpec, refs: ReferenceContext) -> CsiWebhookSpec:
        """References resolved, perstags normalized, and every seed 000/001 rule."""
        title = spec.title
        declared = [d.title for d in (refs.desired(self.kind.name, n)
                                      for n in refs.managed_names(self.kind.name)) if d]
        csi_unique_title.check_declared(title, declared)
        clash = csi_unique_title.live_case_clash(title, await refs.live_objects(self.kind.name))
        if clash:
            refs.warn("title", clash)

        _, contact_method = await resolve_ref(refs.reference, spec.contact_method,
                                              field="contact_method", what="contact method")
        choice = await self._activity_type(spec.activity_type, refs)
        csi_activity_type_perf_ind.check(choice.description, choice.perf_ind)
        if choice.row is not None:
            csi_activity_type_origin.check(choice.description, choice.row.id,
                                           await refs.reference(ORIGINS))
        await self._warn_auto_close(choice, refs)

        known = await known_perstags(refs)
        performance_field = csi_performance_field.check(
            spec.performance_field, choice.description,
            csi_activity_type_perf_ind.is_performance(choice.perf_ind), known)
        note_fields = csi_note_fields.check(spec.note_fields, known)
        notes_warning = csi_notes_length.check(spec.notes, note_fields, known.type_of)
        if notes_warning:
            refs.warn("notes", notes_warning)
        return spec.model_copy(update={
            "contact_method": contact_method, "activity_type": choice.value,
            "performance_field": performance_field, "note_fields": note_fields})

    async def _activity_type(self, ref: Ref, refs: ReferenceContext) -> ActivityTypeChoice:
        """The live row the reference names, else an ``activity_types`` resource declaring it
        (made by the same apply: its id is looked up then)."""
        rows = await refs.reference(ACTIVITY_TYPES)
        declared = _declared_activity_type(ref, refs)
        if declared is None:
            row = match_reference(ref, rows, field="activity_type", what="activity type")
            return ActivityTypeChoice(
                row.description, str(row.data.get("perf_ind") or "none"),
                Ref(ACTIVITY_CATEGORIES, row.data.get("category_id")), row,
                Ref.of_row(ACTIVITY_TYPES, row, rows))
        row = row_of(Ref(ACTIVITY_TYPES, None, ref.label), rows)
        return ActivityTypeChoice(
            declared.description, declared.perf_ind or "none", declared.category, row,
            Ref.of_row(ACTIVITY_TYPES, row, rows) if row else Ref(ACTIVITY_TYPES, None,
                                                                  declared.description))

    async def _warn_auto_close(self, choice: ActivityTypeChoice, refs: ReferenceContext) -> None:
        categories = await refs.reference(ACTIVITY_CATEGORIES)
        category = row_of(choice.category, categories) if choice.category else None
        if category is not None:
            warning = csi_auto_close.warning(choice.description, category.description,
                                             bool(category.data.get("auto_close")))
            if warning:
                refs.warn("activity_type", warning)

    async def find_by_title(self, title: str) -> dict[str, Any] | None:
        for webhook in await self.client.paged(PATH, "csiWebhooks"):
            if str(webhook.get("title") or "").casefold() == title.casefold():
                return webhook
        return None

    async def create(self, spec: CsiWebhookSpec) -> LiveObject:
        created = await self.client.create(PATH, "csiWebhook", webhook_to_wire(spec),
                                           find_existing=lambda: self.find_by_title(spec.title))
        return await self._live(created)

    async def update(self, live: LiveObject, spec: CsiWebhookSpec) -> LiveObject:
        updated = await self.client.put(f"{PATH}/{live.remote_id}", "csiWebhook",
                                        webhook_to_wire(spec))
        return await self._live(updated)

    async def delete(self, live: LiveObject) -> None:
        await self.client.delete(f"{PATH}/{live.remote_id}", missing_ok=True)

    async def impact(self, live: LiveObject) -> str | None:
        return "automations using its URL stop creating CSIs"


def _declared_activity_type(ref: Ref, refs: ReferenceContext) -> Any | None:
    """The ``activity_types`` resource described as ``ref`` says, if the manifests declare one."""
    if ref.id is not None or ref.label is None:
        return None
    for name in refs.managed_names("activity_types"):
        declared = refs.desired("activity_types", name)
        if declared is not None and str(declared.description).casefold() == \
                ref.label.casefold():
            return declared
    return None


def webhook_to_wire(spec: CsiWebhookSpec) -> dict[str, Any]:
    """A webhook in Prospect2's spelling (references as the ids the plan resolved)."""
    return {
        "title": spec.title,
        "description": spec.description or "",
        "contactMethodId": spec.contact_method.id,
        "activityTypeId": spec.activity_type.id,
        "performanceField": spec.performance_field,
        "notes": spec.notes or "",
        "noteFields": list(spec.note_fields or []),
        "urgent": bool(spec.urgent),
        "active": bool(spec.enabled),
    }
