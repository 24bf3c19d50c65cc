"""The ``data_syncs`` kind: Prospect2 Data Sync: Tag configurations (seed 003).

A sync tags the email addresses of a dynamic List Manager list's constituents. Seed 003 says
never to change the tag of a sync that is ON: make a new sync and deactivate the old one. So a
tag change of an enabled sync is a replace, new sync first; a disabled sync changes in place.
Deleting deactivates first, so a run starting in between finds the sync OFF.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from engine.errors import ProviderError
from engine.kinds import Kind, KindHandler, LiveObject, ReferenceContext, ResourceSpec
from engine.references import Reference
from engine.sync.schedule import Schedule
from providers.prospect2.client import Prospect2Client
from providers.prospect2.kinds.tessitura_references import (
    ReferenceVocabulary,
    describe,
    wire_id,
    wire_ids,
)
from providers.prospect2.rules import (
    sync_contact_permissions,
    sync_cpp_filters,
    sync_eaddress_types,
    sync_list,
    sync_tag,
)

PATH = "/tessitura/dataSyncs"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SyncFilters(BaseModel):
    """Seed 003's optional filters on the list's email addresses."""

    model_config = ConfigDict(extra="forbid")
    contact_point_purposes: list[Reference] = []
    eaddress_types: list[Reference] = []
    primary_only: bool = False
    ignore_contact_permissions: bool = False


class DataSyncSpec(ResourceSpec):
    """A Data Sync: Tag as the manifest declares it."""

    name: str | None = None
    list: Reference
    tag: str
    mode: Literal["add_only", "add_and_remove"] = "add_only"
    trigger_webhooks: bool = False
    trigger_automations: bool = False
    filters: SyncFilters = SyncFilters()
    schedule: Schedule
    notify: list[str] = []
    description: str = ""
    enabled: bool = True

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
    depends_on: ClassVar[tuple[str, ...]] = ("tags",)
    description: ClassVar[str] = ("Prospect2 Data Sync: Tag (a dynamic Tessitura list drives a "
                                  "Prospect2 tag)")

    def desired(self, name: str, spec: ResourceSpec) -> dict[str, Any]:
        fields = super().desired(name, spec)
        if not fields.get("name"):
            fields["name"] = name
        return fields

    def key(self, fields: Mapping[str, Any]) -> str:
        return str(fields["name"])

    def replace_reason(self, live: Mapping[str, Any], desired: Mapping[str, Any]) -> str | None:
        """``tag`` when the tag changes and the desired sync is ON (seed 003).

        ``enabled`` may be absent from both mappings when it did not change; then the live
        sync's state is unknown here and a replace is the choice that is always allowed.
        """
        if "tag" not in desired or live.get("tag") == desired.get("tag"):
            return None
        enabled = desired.get("enabled", live.get("enabled"))
        return None if enabled is False else "tag"


class DataSyncsHandler(KindHandler):
    """Lists syncs in one paged pass; never sends the tag change Prospect2 refuses."""

    def __init__(self, client: Prospect2Client,
                 vocabulary: ReferenceVocabulary | None = None) -> None:
        self.kind = DataSyncsKind()
        self.client = client
        self.vocabulary = vocabulary or ReferenceVocabulary()
        self._account: dict[str, Any] | None = None

    async def list(self) -> list[LiveObject]:
        return [await self._live(s) for s in await self.client.paged(PATH, "dataSyncs")]

    async def _live(self, wire: dict[str, Any]) -> LiveObject:
        name = str(wire.get("name") or "")
        vocabulary = self.vocabulary
        return LiveObject(
            kind=self.kind.name,
            remote_id=str(wire["id"]),
            key=name,
            fields={
                "name": name,
                "list": await vocabulary.from_wire("tessitura.lists",
                                                   wire.get("listManagerListId")),
                "tag": wire.get("tag") or "",
                "mode": wire.get("mode") or "add_only",
                "trigger_webhooks": bool(wire.get("triggerWebhooks")),
                "trigger_automations": bool(wire.get("triggerAutomations")),
                "filters": {
                    "contact_point_purposes": [
                        await vocabulary.from_wire("tessitura.contact_point_purposes", i)
                        for i in wire.get("contactPointPurposeIds") or []],
                    "eaddress_types": [
                        await vocabulary.from_wire("tessitura.eaddress_types", i)
                        for i in wire.get("eaddressTypeIds") or []],
                    "primary_only": bool(wire.get("primaryOnly")),
                    "ignore_contact_permissions": bool(wire.get("ignoreContactPermissions")),
                },
                "schedule": _schedule_from_wire(wire.get("schedule")),
                "notify": list(wire.get("notify") or []),
                "description": wire.get("description") or "",
                "enabled": bool(wire.get("active")),
            },
            version=wire.get("udate"),
        )

    async def account(self) -> dict[str, Any]:
        """The Prospect2 account's integration settings, read once per handler."""
        if self._account is None:
            self._account = (await self.client.get("/tessitura/account")).get("account") or {}
        return self._account

    async def resolve(self, fields: dict[str, Any], refs: ReferenceContext) -> dict[str, Any]:
        """References to live vocabulary, and every seed 003 rule."""
        row, fields["list"] = await self.vocabulary.resolve(
            fields["list"], refs, "tessitura.lists", field="list", what="List Manager list")
        sync_list.check(row)
        fields["tag"] = sync_tag.resolve(fields["tag"], _declared_tags(refs),
                                         [o.key for o in await refs.live_objects("tags")])
        filters = dict(fields["filters"])
        categories = await refs.reference("tessitura.contact_point_categories")
        purposes: list[Any] = []
        for index, value in enumerate(filters["contact_point_purposes"]):
            purpose, live_value = await self.vocabulary.resolve(
                value, refs, "tessitura.contact_point_purposes",
                field=f"filters.contact_point_purposes.{index}", what="contact point purpose")
            sync_cpp_filters.check(index, purpose, categories)
            purposes.append(live_value)
        eaddress_types: list[Any] = []
        for index, value in enumerate(filters["eaddress_types"]):
            eaddress_type, live_value = await self.vocabulary.resolve(
                value, refs, "tessitura.eaddress_types",
                field=f"filters.eaddress_types.{index}", what="electronic address type")
            sync_eaddress_types.check(index, eaddress_type)
            eaddress_types.append(live_value)
        if filters["ignore_contact_permissions"]:
            account = await self.account()
            sync_contact_permissions.check(True, bool(account.get("contactPermissionsIntegrated")))
        fields["filters"] = {**filters, "contact_point_purposes": purposes,
                             "eaddress_types": eaddress_types}
        return fields

    async def write_ready(self, fields: dict[str, Any],
                          refs: ReferenceContext) -> dict[str, Any]:
        """Wire ids for the list and filters, from fresh reads."""
        filters = fields["filters"]
        return {
            **fields,
            "list": await wire_id(fields["list"], refs, "tessitura.lists", field="list",
                                  what="List Manager list"),
            "filters": {
                **filters,
                "contact_point_purposes": await wire_ids(
                    filters["contact_point_purposes"], refs, "tessitura.contact_point_purposes",
                    field="filters.contact_point_purposes", what="contact point purpose"),
                "eaddress_types": await wire_ids(
                    filters["eaddress_types"], refs, "tessitura.eaddress_types",
                    field="filters.eaddress_types", what="electronic address type"),
            },
        }

    async def find_same(self, fields: Mapping[str, Any]) -> dict[str, Any] | None:
        """The sync a lost create made: same name, tag and list (a replace's old sync has
        another tag, so it is never mistaken for the new one)."""
        for sync in await self.client.paged(PATH, "dataSyncs"):
            if (sync.get("name") == fields["name"] and sync.get("tag") == fields["tag"]
                    and str(sync.get("listManagerListId")) == str(fields["list"])):
                return sync
        return None

    async def create(self, fields: dict[str, Any]) -> LiveObject:
        created = await self.client.create(PATH, "dataSync", sync_to_wire(fields),
                                           find_existing=lambda: self.find_same(fields))
        return await self._live(created)

    async def update(self, live: LiveObject, fields: dict[str, Any]) -> LiveObject:
        """In place; a tag change of a sync that is ON first turns it OFF (seed 003)."""
        path = f"{PATH}/{live.remote_id}"
        if live.fields.get("enabled") and live.fields.get("tag") != fields["tag"]:
            if fields.get("enabled", True):
                raise ProviderError(
                    f"Data Sync {live.key!r} is ON and its tag cannot change in place (seed "
                    "003): plan again, and Callboard replaces it with a new sync")
            await self.client.put(path, "dataSync", {"active": False})
        updated = await self.client.put(path, "dataSync", sync_to_wire(fields))
        return await self._live(updated)

    async def delete(self, live: LiveObject) -> None:
        """Turn the sync OFF, then delete it; an already deleted sync is done."""
        path = f"{PATH}/{live.remote_id}"
        if live.fields.get("enabled"):
            try:
                await self.client.put(path, "dataSync", {"active": False})
            except ProviderError:
                if await self.read(live.remote_id) is not None:
                    raise
                return
        await self.client.delete(path, missing_ok=True)

    async def impact(self, live: LiveObject) -> str | None:
        fields = live.fields
        removing = " or removes" if fields.get("mode") == "add_and_remove" else ""
        return (f"list {describe(fields.get('list'))} no longer adds{removing} the tag "
                f"{fields.get('tag')!r}")

    def estimated_calls(self, action: str) -> int:
        """Delete is PUT (OFF) + DELETE; replace adds the new sync's POST."""
        return {"create": 1, "update": 2, "delete": 2, "replace": 3, "adopt": 0}.get(action, 1)


def _declared_tags(refs: ReferenceContext) -> dict[str, str]:
    """Each declared tags resource NAME mapped to its Prospect2 tag name."""
    declared: dict[str, str] = {}
    for name in refs.managed_names("tags"):
        fields = refs.desired_fields("tags", name)
        declared[name] = str((fields or {}).get("name") or name)
    return declared


def _schedule_from_wire(wire: Any) -> dict[str, Any] | None:
    if not isinstance(wire, dict):
        return None
    try:
        return Schedule.from_wire(wire).model_dump(mode="json")
    except ValueError:
        return dict(wire)  # a frequency we do not know: shown as Prospect2 spells it


def sync_to_wire(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``write_ready`` fields (references as ids) in Prospect2's spelling."""
    filters = fields.get("filters") or {}
    return {
        "name": fields["name"],
        "listManagerListId": fields["list"],
        "tag": fields["tag"],
        "mode": fields.get("mode") or "add_only",
        "triggerWebhooks": bool(fields.get("trigger_webhooks")),
        "triggerAutomations": bool(fields.get("trigger_automations")),
        "contactPointPurposeIds": list(filters.get("contact_point_purposes") or []),
        "eaddressTypeIds": list(filters.get("eaddress_types") or []),
        "primaryOnly": bool(filters.get("primary_only")),
        "ignoreContactPermissions": bool(filters.get("ignore_contact_permissions")),
        "schedule": Schedule.model_validate(fields["schedule"]).to_wire(),
        "notify": list(fields.get("notify") or []),
        "description": fields.get("description") or "",
        "active": bool(fields.get("enabled", True)),
    }
