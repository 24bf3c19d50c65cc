"""The ``csi_webhooks`` kind: Prospect2 webhooks that create Customer Service Issues (seeds
000, 001).

A webhook is identified by its title (unique on the integration dashboard). Its ``url``
carries a secret token: it goes to ``LiveObject.secrets`` only. The activity type may be one
the same manifests declare under ``activity_types`` and the same apply creates: its ``Ref``
then has no id at plan time, and apply looks the id up just before writing.
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import FieldProblem, Kind, LiveObject, ReferenceContext, ResourceSpec
from engine.limits import Text
from engine.references import Ref, match_reference, require_active, resolve_ref, row_of
from providers.prospect2.kinds.handler import Prospect2Handler
from providers.prospect2.kinds.tessitura_references import (
    ACTIVITY_TYPES,
    CONTACT_TYPES,
    ActivityTypeRef,
    ContactTypeRef,
)
from providers.prospect2.limits import Description, Name
from providers.prospect2.rules.csi_activity_type import declared_activity_type
from providers.prospect2.rules.csi_notes_length import NOTES_LIMIT
from providers.prospect2.rules.custom_field_perstags import normalize_perstag

PATH = "/tessitura/csiWebhooks"
#: Static notes Tessitura can keep (seed 000): the CSI's notes column.
Notes = Text(NOTES_LIMIT, "Tessitura")


class CsiWebhookSpec(ResourceSpec):
    """A CSI webhook as the manifest declares it."""

    title: Name
    description: Description = ""
    contact_method: ContactTypeRef
    activity_type: ActivityTypeRef
    performance_field: str | None = None
    notes: Notes = ""
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

    def refers_to(self, value: CsiWebhookSpec) -> list[tuple[str, str]]:
        """The activity type by its description, and the custom fields by perstag."""
        found = []
        if value.activity_type.label is not None:
            found.append(("activity_types", value.activity_type.label))
        perstags = [value.performance_field, *value.note_fields]
        found += [("custom_fields", normalize_perstag(p)) for p in perstags if p]
        return found


class CsiWebhooksHandler(Prospect2Handler):
    """Lists webhooks in one paged pass; creates without duplicates when an answer is lost."""

    kind: ClassVar[Kind] = CsiWebhooksKind()

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
        """References resolved and perstags normalized; the seed 000/001 rules
        (``providers/prospect2/rules/csi_*``) then check the result."""
        _, contact_method = await resolve_ref(refs.reference, spec.contact_method,
                                              field="contact_method", what="contact method")
        return spec.model_copy(update={
            "contact_method": contact_method,
            "activity_type": await _activity_type(spec.activity_type, refs),
            "performance_field": (normalize_perstag(spec.performance_field)
                                  if spec.performance_field is not None else None),
            "note_fields": [normalize_perstag(v) for v in spec.note_fields]})

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


async def _activity_type(ref: Ref, refs: ReferenceContext) -> Ref:
    """The live row the reference names, else an ``activity_types`` resource declaring it
    (made by the same apply: the ``Ref`` has no id until apply looks it up)."""
    rows = await refs.reference(ACTIVITY_TYPES)
    declared = declared_activity_type(ref, refs)
    if declared is None:
        row = match_reference(ref, rows, field="activity_type", what="activity type")
        require_active(ACTIVITY_TYPES, row, rows, field="activity_type", what="activity type")
        return Ref.of_row(ACTIVITY_TYPES, row, rows)
    if declared.inactive:
        raise FieldProblem("activity_type", f"activity type {declared.description!r} is "
                           "declared inactive under activity_types, and Tessitura offers only "
                           "active ones: declare it active or name another")
    row = row_of(Ref(ACTIVITY_TYPES, None, ref.label), rows)
    if row is None:
        return Ref(ACTIVITY_TYPES, None, str(declared.description))
    return Ref.of_row(ACTIVITY_TYPES, row, rows)


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
