"""Test-only kinds (declarations only, no I/O) for exercising the engine's pure logic."""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import Kind, ResourceSpec


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

    def key(self, fields: Any) -> str:
        return str(fields["name"])


class LinkKind(Kind):
    name: ClassVar[str] = "links"
    provider: ClassVar[str] = "fake"
    model: ClassVar[type[ResourceSpec]] = LinkSpec
    references: ClassVar[dict[str, str]] = {"label": "labels"}
    replace_fields: ClassVar[frozenset[str]] = frozenset({"size"})
    secret_fields: ClassVar[frozenset[str]] = frozenset({"url"})

    def key(self, fields: Any) -> str:
        return f"{fields['label']}:{fields['note']}"


class FakeProvider:
    name = "fake"
    kinds = (LinkKind, LabelKind)
