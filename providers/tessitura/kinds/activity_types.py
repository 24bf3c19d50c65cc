"""The ``activity_types`` kind: dedicated TR_CUST_ACTIVITY_TYPE rows (seed 000).

A CSI webhook needs an activity type of its own, tied to no Origin, so Callboard can create
one. The description is the type's identity (CSI webhooks and staff name it); the category is
Tessitura reference data, written as its description or ``{id: N}``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from engine.errors import ProviderError, StaleObjectError
from engine.kinds import (
    FieldProblem,
    Kind,
    LiveObject,
    ReferenceContext,
    ReferenceRow,
    ResourceSpec,
)
from engine.limits import Text
from engine.references import Ref, ReferenceTo, match_reference, resolve_ref
from providers.tessitura.client import parse_tessitura_datetime
from providers.tessitura.kinds.handler import TessituraHandler
from providers.tessitura.reference import (
    activity_categories,
    perf_indicator_code,
    perf_indicator_word,
)

log = logging.getLogger(__name__)

PerfWord = Literal["none", "Performance", "Package", "Package/Performance"]

BASE = "/ReferenceData/ActivityTypes"
CATEGORIES = "tessitura.activity_categories"
CategoryRef = Annotated[Ref, ReferenceTo(CATEGORIES)]
#: Tessitura's Swagger gives no lengths; reference tables keep a 30-character description
#: (TR_CUST_ACTIVITY_TYPE.description), so a longer one fails at apply.
DESCRIPTION_LENGTH = 30
Description = Text(DESCRIPTION_LENGTH, "Tessitura")


#: A create that failed without creating anything is sent again, this many times at most.
CREATE_ATTEMPTS = 4


class ActivityTypeSpec(ResourceSpec):
    """An activity type as the manifest declares it."""

    description: Description = Field(min_length=1)
    category: CategoryRef
    perf_ind: PerfWord = "none"
    inactive: bool = False


class ActivityTypesKind(Kind):
    name: ClassVar[str] = "activity_types"
    provider: ClassVar[str] = "tessitura"
    model: ClassVar[type[ResourceSpec]] = ActivityTypeSpec
    description: ClassVar[str] = (
        "Tessitura activity types (TR_CUST_ACTIVITY_TYPE), identified by description")

    def key(self, value: ActivityTypeSpec) -> str:
        return str(value.description)

    def manifest_entry(self, live: LiveObject) -> dict[str, Any]:
        entry = {"description": live.fields["description"], "category": live.fields["category"]}
        if live.fields.get("perf_ind", "none") != "none":
            entry["perf_ind"] = live.fields["perf_ind"]
        if live.fields.get("inactive"):
            entry["inactive"] = True
        return entry


def category_reference(category_id: int | None, categories: list[ReferenceRow]) -> Ref:
    """A category labelled by its description (unless another category shares it exactly)."""
    row = next((r for r in categories if r.id == category_id), None)
    if row is None:
        return Ref(CATEGORIES, category_id)
    return Ref.of_row(CATEGORIES, row, categories, fold_case=False)


def activity_type_from_wire(row: dict[str, Any], categories: list[ReferenceRow]) -> LiveObject:
    """A wire ``ActivityType`` in the kind's model."""
    description = str(row.get("Description") or "")
    category = row.get("Category") if isinstance(row.get("Category"), dict) else {}
    return LiveObject(
        kind=ActivityTypesKind.name,
        remote_id=str(row["Id"]),
        key=description,
        value=ActivityTypeSpec.model_construct(
            description=description,
            category=category_reference(category.get("Id"), categories),
            perf_ind=perf_indicator_word(row.get("PerfIndicator"),
                                         f"{row['Id']} ({description!r})"),
            inactive=bool(row.get("Inactive")),
        ),
        version=row.get("UpdatedDateTime"),
    )


def activity_type_to_wire(spec: ActivityTypeSpec, category_id: int) -> dict[str, Any]:
    return {
        "Description": spec.description,
        "Category": {"Id": category_id},
        "PerfIndicator": perf_indicator_code(spec.perf_ind or "none"),
        "Inactive": bool(spec.inactive),
    }


def same_moment(first: str | None, second: str | None) -> bool:
    """Whether two UpdatedDateTime stamps are the same instant (formats vary: 0–7 digits)."""
    if first is None or second is None:
        return first == second
    try:
        return parse_tessitura_datetime(first) == parse_tessitura_datetime(second)
    except ValueError:
        return first == second


class ActivityTypesHandler(TessituraHandler):
    """Lists types with their categories; updates read the row just before writing it."""

    kind: ClassVar[Kind] = ActivityTypesKind()

    async def list(self) -> list[LiveObject]:
        types, categories = await asyncio.gather(
            self.client.get(BASE), activity_categories(self.client))
        return [activity_type_from_wire(row, categories) for row in types or []
                if isinstance(row, dict)]

    async def resolve(self, spec: ActivityTypeSpec, refs: ReferenceContext) -> ActivityTypeSpec:
        categories = await refs.reference(CATEGORIES)
        row, _ = await resolve_ref(refs.reference, spec.category, field="category",
                                   what="activity category")
        return spec.model_copy(update={"category": category_reference(row.id, categories)})

    async def create(self, spec: ActivityTypeSpec) -> LiveObject:
        """POST is not idempotent: after a failure, look for the row before sending again, so
        a lost answer never makes a duplicate and a refused request is simply tried again."""
        category_id = await self._category_id(spec)
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                row = await self.client.post(BASE, activity_type_to_wire(spec, category_id))
                break
            except StaleObjectError:
                raise
            except ProviderError:
                row = await self._find(spec.description, category_id)
                if row is not None:
                    log.info("tessitura: activity type %r was created; its answer was lost",
                             spec.description)
                    break
                if attempt == CREATE_ATTEMPTS:
                    raise
                await asyncio.sleep(0.2 * 2 ** attempt)
        return await self._live(row, spec, category_id)

    async def update(self, live: LiveObject, spec: ActivityTypeSpec) -> LiveObject:
        category_id = await self._category_id(spec)
        current = await self.client.get(f"{BASE}/{live.remote_id}")
        if live.version is not None and not same_moment(live.version,
                                                         current.get("UpdatedDateTime")):
            raise StaleObjectError(
                f"activity type {live.remote_id} ({live.key!r}) changed in Tessitura since it "
                f"was read (UpdatedDateTime {live.version} is now "
                f"{current.get('UpdatedDateTime')}); plan again to see the current object")
        body = {**current, **activity_type_to_wire(spec, category_id),
                "Id": int(live.remote_id), "UpdatedDateTime": current.get("UpdatedDateTime")}
        row = await self.client.put(f"{BASE}/{live.remote_id}", body)
        return await self._live(row, spec, category_id)

    async def delete(self, live: LiveObject) -> None:
        try:
            await self.client.delete(f"{BASE}/{live.remote_id}")
        except StaleObjectError:
            raise
        except ProviderError:
            if await self.read(live.remote_id) is None:
                return  # already gone: deleting it is done
            raise

    async def impact(self, live: LiveObject) -> str | None:
        """Origins tied to the type make Tessitura refuse the delete; say so in the plan."""
        origins = await self.client.get("/ReferenceData/Origins",
                                        {"ActivityType.Id": live.remote_id})
        names = [repr(o.get("Description")) for o in origins or [] if isinstance(o, dict)]
        if not names:
            return None
        return (f"tied to Origin {', '.join(names)}; Tessitura refuses to delete an activity "
                "type in use")

    def estimated_calls(self, action: str) -> int:
        return {"update": 2, "replace": 2, "adopt": 0}.get(action, 1)

    async def _category_id(self, spec: ActivityTypeSpec) -> int:
        """The category's id: resolved by the plan, else looked up now (direct callers)."""
        if spec.category.id is not None:
            return int(spec.category.id)
        categories = await activity_categories(self.client)
        try:
            return int(match_reference(spec.category, categories, field="category",
                                       what="activity category").id)
        except FieldProblem as exc:
            raise ProviderError(f"activity type {spec.description!r}: category: "
                                f"{exc.message}") from None

    async def _find(self, description: str, category_id: int) -> dict[str, Any] | None:
        for row in await self.client.get(BASE) or []:
            if (isinstance(row, dict) and row.get("Description") == description
                    and (row.get("Category") or {}).get("Id") == category_id):
                return row
        return None

    async def _live(self, row: dict[str, Any], spec: ActivityTypeSpec,
                    category_id: int) -> LiveObject:
        """The written row in the kind's model, reusing the resolved category's label."""
        if (row.get("Category") or {}).get("Id") == category_id:
            obj = activity_type_from_wire(row, [])
            category = Ref(CATEGORIES, category_id, spec.category.label)
            return replace(obj, value=obj.value.model_copy(update={"category": category}))
        return activity_type_from_wire(row, await activity_categories(self.client))
