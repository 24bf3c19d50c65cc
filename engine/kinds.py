"""The contract between the engine and providers.

A *kind* (``tags``, ``custom_fields``, ``data_syncs``…) is declared by a provider as a ``Kind``
subclass: its model, which fields force a replace, which live values are secret, which fields
reference other managed resources, and the natural key used to adopt an existing object.
A provider supplies a ``KindHandler`` per kind that lists live objects once (paged) and creates,
updates and deletes one object at a time. The engine diffs, orders and renders; it never
learns how an API spells anything.

One model describes a kind's objects both as declared and as they live: the manifest is
validated into it, handlers build live objects in it (references as ``Ref``s, a schedule as a
``Schedule``), and the diff compares the two field by field. Only at the edges, in plans,
state and output, is a value written as plain data (``ResourceSpec.plain``).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class Lifecycle(BaseModel):
    """Per-resource behaviour switches (spec §2)."""

    model_config = ConfigDict(extra="forbid")
    prevent_destroy: bool = False
    ignore_changes: list[str] = []


class ResourceSpec(BaseModel):
    """Base of every kind's model: strict, so a misspelt manifest key is an error.

    Live objects are built with ``model_construct`` (a service's values are facts, not input
    to validate), so a live value the manifest could not hold is still shown as it is.
    """

    model_config = ConfigDict(extra="forbid")
    #: Fields the engine fills from the resource's NAME (``Kind.desired``); a manifest that
    #: sets one is refused as with any unknown field.
    derived: ClassVar[frozenset[str]] = frozenset()
    lifecycle: Lifecycle = Lifecycle()

    @classmethod
    def field_names(cls) -> list[str]:
        """The fields an object has (``lifecycle`` is about managing it, not part of it)."""
        return [name for name in cls.model_fields if name != "lifecycle"]

    def plain(self) -> dict[str, Any]:
        """The object as plans, state and renderers write it (JSON values, ``Ref``s as labels)."""
        return self.model_dump(mode="json", exclude={"lifecycle"}, warnings=False)


@dataclass(frozen=True)
class LiveObject:
    """One object as it exists in a service, in the kind's model.

    ``secrets`` holds live values of the kind's secret fields; they are never stored, planned
    or rendered, only revealed by ``callboard output``.
    """

    kind: str
    remote_id: str
    key: str
    value: ResourceSpec
    secrets: dict[str, str] = field(default_factory=dict)
    version: str | None = None

    @cached_property
    def fields(self) -> dict[str, Any]:
        """``value`` as plain data (what state records and plans show)."""
        return self.value.plain()


class FieldProblem(Exception):
    """A desired resource's field breaks a rule; the engine adds file:line and the address."""

    def __init__(self, field: str | None, message: str) -> None:
        self.field, self.message = field, message
        super().__init__(f"{field}: {message}" if field else message)


@dataclass(frozen=True)
class ReferenceRow:
    """One row of a service's reference data (an activity type, an appeal, a list…)."""

    id: Any
    description: str
    data: dict[str, Any] = field(default_factory=dict)
    #: Retired by the service's admin: kept for history, offered for nothing new.
    inactive: bool = False


class ReferenceContext(ABC):
    """What a handler may ask while resolving a desired resource's references.

    Reference tables are named ``"service.table"`` (``"tessitura.activity_types"``) and served
    by whichever provider declares them, so a Prospect2 kind can resolve Tessitura data without
    either provider importing the other.
    """

    @abstractmethod
    def desired(self, kind: str, name: str) -> ResourceSpec | None:
        """The declared resource ``kind.name`` as resolved so far (None if undeclared)."""

    @abstractmethod
    async def live_objects(self, kind: str) -> list[LiveObject]:
        """Every live object of ``kind`` (listed once per plan, on first use)."""

    @abstractmethod
    async def reference(self, table: str) -> list[ReferenceRow]:
        """Rows of a reference table (read once per plan, on first use)."""

    @abstractmethod
    def warn(self, field: str | None, message: str) -> None:
        """A plan warning about the resource being resolved (shown, never fatal)."""

    @abstractmethod
    def managed_names(self, kind: str) -> list[str]:
        """NAMEs of the declared resources of ``kind``."""


class Kind:
    """Declarations about one kind of resource. Pure: no I/O."""

    name: ClassVar[str]
    provider: ClassVar[str]
    model: ClassVar[type[ResourceSpec]]
    #: Fields whose change cannot be made in place: the object is replaced (``-/+``).
    replace_fields: ClassVar[frozenset[str]] = frozenset()
    #: Live-only values that are masked everywhere (plans, state, logs, errors).
    secret_fields: ClassVar[frozenset[str]] = frozenset()
    #: Fields holding the NAME of another managed resource, mapped to that resource's kind.
    references: ClassVar[Mapping[str, str]] = {}
    #: Kinds this one must be created after (references imply it; add others here).
    depends_on: ClassVar[tuple[str, ...]] = ()
    #: Replace by creating the new object before deleting the old one (e.g. a Data Sync whose
    #: tag changes); the default deletes first, as natural keys are usually unique.
    create_before_destroy: ClassVar[bool] = False
    #: NAMEs this kind accepts, when not the usual ``[a-z0-9][a-z0-9-_]*`` (e.g. a T_DEFAULTS
    #: field name such as ``P2DSTrackChanges`` is its own NAME).
    name_pattern: ClassVar[re.Pattern[str] | None] = None
    #: Set when deleting means only "stop managing" (the live object stays); shown in plans.
    delete_note: ClassVar[str | None] = None
    #: Whether drift and generate list live objects no manifest declares. Off for kinds
    #: where most live rows are none of the user's business (hundreds of T_DEFAULTS rows).
    report_unmanaged: ClassVar[bool] = True
    #: What state says about an object of this kind when it is deleted or replaced, by the
    #: names ``engine.plan.impact.STATE_IMPACTS`` knows (``"sync_baseline"``).
    state_impact: ClassVar[tuple[str, ...]] = ()
    #: Fields that make two objects of this kind the same in practice whatever their NAMEs (a
    #: Data Sync's list and tag). A plan deleting one and creating another with all of them
    #: equal warns that it looks like a rename without ``moved``: the natural key cannot tell
    #: when it follows the NAME. Empty (the default): never guessed.
    same_object_fields: ClassVar[tuple[str, ...]] = ()
    #: One line for ``callboard schema`` and docs.
    description: ClassVar[str] = ""

    def desired(self, name: str, spec: ResourceSpec) -> ResourceSpec:
        """The declared object with what its NAME implies filled in (e.g. a tag's name)."""
        return spec

    def key(self, value: ResourceSpec) -> str:
        """Natural identity in the live service (e.g. a tag's name), used to adopt objects."""
        raise NotImplementedError

    def planned(self, fields: Mapping[str, Any]) -> ResourceSpec:
        """What a plan's ``after`` describes, back in the model (a saved plan is plain data)."""
        return self.model.model_validate(fields)

    def replace_reason(self, live: ResourceSpec, desired: ResourceSpec) -> str | None:
        """The field forcing a replace, or None when an in-place update will do."""
        for name in sorted(self.replace_fields):
            if getattr(live, name, None) != getattr(desired, name, None):
                return name
        return None

    def manifest_entry(self, live: LiveObject) -> dict[str, Any]:
        """Manifest fields for ``generate``: the live fields as a user would write them."""
        return dict(live.fields)

    def refers_to(self, value: ResourceSpec) -> list[tuple[str, str]]:
        """The other resources one object names, as ``(kind, NAME or natural key)`` pairs (a
        Data Sync's tag, a CSI webhook's activity type): what ``--target`` takes along. The
        default reads the ``references`` fields; a kind whose fields may name an object by
        its natural key says so here."""
        found: list[tuple[str, str]] = []
        for field_name, kind in self.references.items():
            named = getattr(value, field_name, None)
            for item in named if isinstance(named, list) else [named]:
                if item is not None:
                    found.append((kind, str(item)))
        return found

    #: Kinds whose objects this kind's live objects hold by id, looked up when one is written
    #: (a Data Sync's contact data holds custom field ids): when a declared object names one
    #: that the plan replaces (a new id), it is re-written after it, even with no field changed.
    follows_replaced: ClassVar[frozenset[str]] = frozenset()

    def all_dependencies(self) -> tuple[str, ...]:
        deps = list(self.depends_on)
        deps.extend(k for k in self.references.values() if k not in deps)
        return tuple(deps)


class KindHandler(ABC):
    """Talks to one service about one kind. Implementers must:

    - list every live object of the kind in one paged pass (``list``), no per-object reads;
    - build live objects in the kind's model (wire ids as ``Ref``s), never leaking secrets
      into it, and write from the model (a ``Ref``'s id is what the service wants);
    - make ``create`` safe to retry (a lost answer must not leave a duplicate);
    - raise ``StaleObjectError`` when the service says the object changed underneath.

    ``kind`` names the kind it serves: listing the handler in its provider's ``handlers`` is
    the kind's one registration.
    """

    kind: ClassVar[Kind]
    #: Its creates and updates go through an add-on its service must have installed (Tessitura's
    #: procedure pack): plan and apply check the provider's ``online_problems`` first.
    writes_need_add_on: ClassVar[bool] = False

    @abstractmethod
    async def list(self) -> list[LiveObject]:
        ...

    async def resolve(self, spec: ResourceSpec, refs: ReferenceContext) -> ResourceSpec:
        """The declared object as the live one will hold it: references resolved (``Ref``s with
        ids), names normalized, and the kind's rules checked (FieldProblem, or ``refs.warn``).
        Returns a copy; ``spec`` is the manifest's and stays as declared."""
        return spec

    @abstractmethod
    async def create(self, spec: ResourceSpec) -> LiveObject:
        ...

    @abstractmethod
    async def update(self, live: LiveObject, spec: ResourceSpec) -> LiveObject:
        ...

    @abstractmethod
    async def delete(self, live: LiveObject) -> None:
        ...

    async def impact(self, live: LiveObject) -> str | None:
        """What deleting or replacing ``live`` means for people (e.g. contacts carrying a tag)."""
        return None

    def estimated_calls(self, action: str) -> int:
        """API calls one change of this action costs (for the plan's estimate)."""
        return 2 if action == "replace" else (0 if action == "adopt" else 1)

    def estimated_calls_for(self, action: str, before: Mapping[str, Any] | None,
                            after: Mapping[str, Any] | None) -> int:
        """API calls one planned change costs, where that depends on what changes (a custom
        field's options); by default ``estimated_calls(action)``."""
        return self.estimated_calls(action)

    async def read(self, remote_id: str) -> LiveObject | None:
        """One object by id; the default lists the kind (handlers may do better)."""
        for obj in await self.list():
            if obj.remote_id == remote_id:
                return obj
        return None
