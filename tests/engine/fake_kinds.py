"""Test-only kinds (declarations only, no I/O) for exercising the engine's pure logic."""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import Kind, LiveObject, ResourceSpec
from engine.resources import Resource


class LabelSpec(ResourceSpec):
    name: str
    colour: str = "blue"


class LinkSpec(ResourceSpec):
    label: str
    note: str = ""
    size: int = 1


class LabelKind(Kind):
    name: ClassVar[str] = "labels"
    provider: ClassVar[str] = "fake"
    model: ClassVar[type[ResourceSpec]] = LabelSpec

    def key(self, value: Any) -> str:
        return str(value.name)


class LinkKind(Kind):
    name: ClassVar[str] = "links"
    provider: ClassVar[str] = "fake"
    model: ClassVar[type[ResourceSpec]] = LinkSpec
    references: ClassVar[dict[str, str]] = {"label": "labels"}
    replace_fields: ClassVar[frozenset[str]] = frozenset({"size"})
    secret_fields: ClassVar[frozenset[str]] = frozenset({"url"})

    def key(self, value: Any) -> str:
        return f"{value.label}:{value.note}"


class FakeProvider:
    name = "fake"
    kinds = (LinkKind, LabelKind)


MODELS: dict[str, type[ResourceSpec]] = {"labels": LabelSpec, "links": LinkSpec}


def resource(kind: str, name: str, fields: dict[str, Any], **spec: Any) -> Resource:
    """A declared resource of a fake kind (``spec``: e.g. ``lifecycle``)."""
    return Resource(kind, name, MODELS[kind].model_validate({**fields, **spec}))


def live_object(kind: str, remote_id: str, key: str, fields: dict[str, Any]) -> LiveObject:
    """A live object of a fake kind, as a handler would list it."""
    return LiveObject(kind, remote_id, key, MODELS[kind].model_construct(**fields))
