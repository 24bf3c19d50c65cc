"""The ``data_syncs`` kind: Prospect2 Data Sync: Tag configurations (seed 003).

A sync tags the email addresses of a dynamic List Manager list's constituents. Seed 003 says
never to change the tag of a sync that is ON: make a new sync and deactivate the old one. A
tag change is therefore always a replace, new sync first, enabled or not: the baseline belongs
to the old tag, so the new sync starts from an empty one and every listed member gets the new
tag (the old tag stays on its contacts; Prospect2 does not untag when a sync is deleted).
Deleting deactivates first, so a run starting in between finds the sync OFF.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from engine.errors import ProviderError
from engine.kinds import Kind, LiveObject, ReferenceContext, ResourceSpec
from engine.references import Ref, resolve_ref
from engine.sync.ports import CustomFieldFacts
from engine.sync.schedule import Schedule
from providers.prospect2.custom_field_facts import custom_field_facts, perstags_by_id
from providers.prospect2.kinds.handler import Prospect2Handler
from providers.prospect2.kinds.sync_contact_data import (
    ContactData,
    contact_data_from_wire,
    contact_data_to_wire,
    resolve_contact_data,
)
from providers.prospect2.kinds.tessitura_references import (
    CONTACT_POINT_PURPOSES,
    EADDRESS_TYPES,
    LISTS,
    EaddressTypeRef,
    ListRef,
    PurposeRef,
)
from providers.prospect2.limits import Description, Name
from providers.prospect2.rules.sync_tag import tag_name

PATH = "/tessitura/dataSyncs"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SyncFilters(BaseModel):
    """Seed 003's optional filters on the list's email addresses."""

    model_config = ConfigDict(extra="forbid")
    contact_point_purposes: list[PurposeRef] = []
    eaddress_types: list[EaddressTypeRef] = []
    primary_only: bool = False
    ignore_contact_permissions: bool = False


class DataSyncSpec(ResourceSpec):
    """A Data Sync: Tag as the manifest declares it."""

    name: Name | None = None
    list: ListRef
    tag: str
    mode: Literal["add_only", "add_and_remove"] = "add_only"
    trigger_webhooks: bool = False
    trigger_automations: bool = True
    filters: SyncFilters = SyncFilters()
    schedule: Schedule
    notify: list[str] = []
    description: Description = ""
    enabled: bool = True
    #: Exactly one engine runs a sync: ``callboard`` (``callboard sync run``; Prospect2's own
    #: scheduling is off, ``runBy: "external"``) or ``prospect2`` (its own scheduler).
    runner: Literal["callboard", "prospect2"] = "callboard"
    #: Output-set columns carried into custom fields on every import.
    contact_data: ContactData | None = None
    #: ``audit``: re-import members whose audited data changed (seed 003, P2DSTrackChanges);
    #: ``values``: those whose carried values changed since last sent; ``off``: never.
    resync: Literal["audit", "values", "off"] = "audit"

    @field_validator("notify")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if not _EMAIL.match(address):
                raise ValueError(f"{address!r} is not an email address")
        return value


class DataSyncsKind(Kind):
    name: ClassVar[str] = "data_syncs"
    provider: ClassVar[str] = "prospect2"
    model: ClassVar[type[ResourceSpec]] = DataSyncSpec
    replace_fields: ClassVar[frozenset[str]] = frozenset({"tag"})
    create_before_destroy: ClassVar[bool] = True
    depends_on: ClassVar[tuple[str, ...]] = ("tags", "custom_fields")
    follows_replaced: ClassVar[frozenset[str]] = frozenset({"custom_fields"})
    #: A deleted or replaced sync's baseline (in state) is what its constituents lose.
    state_impact: ClassVar[tuple[str, ...]] = ("sync_baseline",)
    #: A sync's NAME defaults to its key, so a renamed key looks like a new sync: the same list
    #: driving the same tag is what makes it the same one (and deleting it loses its baseline).
    same_object_fields: ClassVar[tuple[str, ...]] = ("list", "tag")
    description: ClassVar[str] = ("Prospect2 Data Sync: Tag (a dynamic Tessitura list drives a "
                                  "Prospect2 tag)")

    def desired(self, name: str, spec: DataSyncSpec) -> DataSyncSpec:
        return spec if spec.name else spec.model_copy(update={"name": name})

    def key(self, value: DataSyncSpec) -> str:
        return str(value.name)

    def refers_to(self, value: DataSyncSpec) -> list[tuple[str, str]]:
        """Its tag (a tags resource's NAME, or the Prospect2 tag's name) and the custom fields
        its contact data fills (a custom_fields NAME, or the perstag)."""
        fields = list(value.contact_data.fields) if value.contact_data else []
        return [("tags", str(value.tag))] + [("custom_fields", f) for f in fields]


class DataSyncsHandler(Prospect2Handler):
    """Lists syncs in one paged pass; never sends the tag change Prospect2 refuses."""

    kind: ClassVar[Kind] = DataSyncsKind()

    async def list(self) -> list[LiveObject]:
        syncs = await self.client.paged(PATH, "dataSyncs")
        perstags = await self._perstags(syncs)
        return [await self._live(s, perstags) for s in syncs]

    async def read(self, remote_id: str) -> LiveObject | None:
        status, found = await self.client.exchange("GET", f"{PATH}/{remote_id}",
                                                   replay_safe=True, accept=(404,))
        if status == 404 or not isinstance(found, dict) or "dataSync" not in found:
            return None
        wire = found["dataSync"]
        return await self._live(wire, await self._perstags([wire]))

    async def _perstags(self, syncs: list[dict[str, Any]]) -> dict[str, str]:
        """Field id -> perstag, read only when some sync carries contact data."""
        if not any(s.get("fields") for s in syncs):
            return {}
        return await perstags_by_id(self.client)

    async def _live(self, wire: dict[str, Any], perstags: dict[str, str]) -> LiveObject:
        name = str(wire.get("name") or "")
        vocabulary = self.vocabulary
        return LiveObject(
            kind=self.kind.name,
            remote_id=str(wire["id"]),
            key=name,
            value=DataSyncSpec.model_construct(
                name=name,
                list=await vocabulary.ref(LISTS, wire.get("listManagerListId")),
                tag=wire.get("tag") or "",
                mode=wire.get("mode") or "add_only",
                trigger_webhooks=bool(wire.get("triggerWebhooks")),
                trigger_automations=bool(wire.get("triggerAutomations")),
                filters=SyncFilters.model_construct(
                    contact_point_purposes=await vocabulary.refs(
                        CONTACT_POINT_PURPOSES, wire.get("contactPointPurposeIds")),
                    eaddress_types=await vocabulary.refs(EADDRESS_TYPES,
                                                         wire.get("eaddressTypeIds")),
                    primary_only=bool(wire.get("primaryOnly")),
                    ignore_contact_permissions=bool(wire.get("ignoreContactPermissions"))),
                schedule=(Schedule.from_live(wire["schedule"])
                          if isinstance(wire.get("schedule"), dict) else None),
                notify=list(wire.get("notify") or []),
                description=wire.get("description") or "",
                enabled=bool(wire.get("active")),
                runner=runner_of(wire.get("runBy")),
                contact_data=await contact_data_from_wire(wire, vocabulary, perstags),
                resync=wire.get("resync") or "audit",
            ),
            version=wire.get("udate"),
        )

    async def resolve(self, spec: DataSyncSpec, refs: ReferenceContext) -> DataSyncSpec:
        """References resolved to Tessitura rows and the tag to its Prospect2 name; the seed
        003 rules (``providers/prospect2/rules/sync_*``) then check the result."""
        _, list_ref = await resolve_ref(refs.reference, spec.list, field="list",
                                        what="List Manager list")
        filters = spec.filters
        purposes = [(await resolve_ref(refs.reference, value, what="contact point purpose",
                                       field=f"filters.contact_point_purposes.{index}"))[1]
                    for index, value in enumerate(filters.contact_point_purposes)]
        eaddress_types = [(await resolve_ref(refs.reference, value,
                                             field=f"filters.eaddress_types.{index}",
                                             what="electronic address type"))[1]
                          for index, value in enumerate(filters.eaddress_types)]
        return spec.model_copy(update={
            "list": list_ref, "tag": tag_name(spec.tag, refs),
            "filters": filters.model_copy(update={"contact_point_purposes": purposes,
                                                  "eaddress_types": eaddress_types}),
            "contact_data": await resolve_contact_data(spec.contact_data, refs)})

    async def find_same(self, spec: DataSyncSpec) -> dict[str, Any] | None:
        """The sync a lost create made: same name, tag and list (a replace's old sync has
        another tag, so it is never mistaken for the new one)."""
        for sync in await self.client.paged(PATH, "dataSyncs"):
            if (sync.get("name") == spec.name and sync.get("tag") == spec.tag
                    and str(sync.get("listManagerListId")) == str(spec.list.id)):
                return sync
        return None

    async def field_facts(self, perstags: list[str]) -> dict[str, CustomFieldFacts]:
        """Live custom fields with these perstags, with a choice field's options (for the
        ``sync_contact_data`` rule)."""
        return await custom_field_facts(self.client, perstags)

    async def _field_ids(self, spec: DataSyncSpec) -> dict[str, str]:
        """Perstag -> id of the fields the sync fills, read now (apply may have just made
        them)."""
        if spec.contact_data is None:
            return {}
        return {perstag: field_id
                for field_id, perstag in (await perstags_by_id(self.client)).items()}

    async def create(self, spec: DataSyncSpec) -> LiveObject:
        field_ids = await self._field_ids(spec)
        created = await self.client.create(PATH, "dataSync", sync_to_wire(spec, field_ids),
                                           find_existing=lambda: self.find_same(spec))
        return await self._live(created, {v: k for k, v in field_ids.items()})

    async def update(self, live: LiveObject, spec: DataSyncSpec) -> LiveObject:
        """In place; never the tag (``replace_fields``): a plan made before this rule
        would carry it, and is refused rather than sent."""
        path = f"{PATH}/{live.remote_id}"
        if live.value.tag != spec.tag:
            raise ProviderError(
                f"Data Sync {live.key!r}: its tag cannot change in place (seed 003): plan "
                "again, and Callboard replaces it with a new sync")
        field_ids = await self._field_ids(spec)
        updated = await self.client.put(path, "dataSync", sync_to_wire(spec, field_ids))
        return await self._live(updated, {v: k for k, v in field_ids.items()})

    async def delete(self, live: LiveObject) -> None:
        """Turn the sync OFF, then delete it; an already deleted sync is done."""
        path = f"{PATH}/{live.remote_id}"
        if live.value.enabled:
            try:
                await self.client.put(path, "dataSync", {"active": False})
            except ProviderError:
                if await self.read(live.remote_id) is not None:
                    raise
                return
        await self.client.delete(path, missing_ok=True)

    async def impact(self, live: LiveObject) -> str | None:
        """What the old sync's end means: its list stops driving the tag, and the tag stays
        on the contacts carrying it (Prospect2 does not untag when a sync is deleted)."""
        sync = live.value
        removing = " or removes" if sync.mode == "add_and_remove" else ""
        listed = sync.list.describe() if isinstance(sync.list, Ref) else "None"
        return (f"list {listed} no longer adds{removing} the tag {sync.tag!r}; the tag stays "
                "on the contacts that carry it")

    def estimated_calls(self, action: str) -> int:
        """Delete is PUT (OFF) + DELETE; replace adds the new sync's POST."""
        return {"create": 1, "update": 2, "delete": 2, "replace": 3, "adopt": 0}.get(action, 1)


def sync_to_wire(spec: DataSyncSpec, field_ids: Mapping[str, str] | None = None
                 ) -> dict[str, Any]:
    """A sync in Prospect2's spelling (references as the ids the plan resolved, custom
    fields as ``field_ids`` says)."""
    filters = spec.filters
    return {
        "name": spec.name,
        "listManagerListId": spec.list.id,
        "tag": spec.tag,
        "mode": spec.mode or "add_only",
        "triggerWebhooks": bool(spec.trigger_webhooks),
        "triggerAutomations": bool(spec.trigger_automations),
        "contactPointPurposeIds": [ref.id for ref in filters.contact_point_purposes],
        "eaddressTypeIds": [ref.id for ref in filters.eaddress_types],
        "primaryOnly": bool(filters.primary_only),
        "ignoreContactPermissions": bool(filters.ignore_contact_permissions),
        "schedule": spec.schedule.to_wire(),
        "notify": list(spec.notify or []),
        "description": spec.description or "",
        "active": bool(spec.enabled),
        "runBy": RUN_BY[spec.runner or "callboard"],
        "resync": spec.resync or "audit",
        **contact_data_to_wire(spec.contact_data, field_ids or {}),
    }


#: Who runs a sync, in Prospect2's words: ``external`` keeps Prospect2's scheduler off it.
RUN_BY = {"callboard": "external", "prospect2": "prospect2"}


def runner_of(run_by: Any) -> str:
    """The manifest's ``runner`` for a wire ``runBy``; absent means Prospect2 runs it (as a
    sync made in Prospect2's own screens does)."""
    return "callboard" if run_by == "external" else "prospect2"
