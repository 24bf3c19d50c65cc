"""Declared resources: the kind's model of what the manifests say, and where each came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from engine.kinds import ResourceSpec

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9\-_]*$")


@dataclass(frozen=True)
class Origin:
    """A place in a manifest file (1-based line), carried to every diagnostic."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def address(kind: str, name: str) -> str:
    return f"{kind}.{name}"


def split_address(addr: str) -> tuple[str, str]:
    kind, _, name = addr.partition(".")
    return kind, name


@dataclass
class Resource:
    """One declared resource. ``spec`` is the kind's model with defaults applied; the planner
    hands on a copy whose references are resolved to what the live object holds (``resolved``).
    """

    kind: str
    name: str
    spec: ResourceSpec
    origin: Origin | None = None
    field_origins: dict[str, Origin] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return address(self.kind, self.name)

    @property
    def fields(self) -> dict[str, Any]:
        """``spec`` as plain data, as plans and state write it."""
        return self.spec.plain()

    def origin_of(self, field_name: str) -> Origin | None:
        return self.field_origins.get(field_name, self.origin)

    def resolved(self, spec: ResourceSpec) -> Resource:
        return replace(self, spec=spec)

    @property
    def prevent_destroy(self) -> bool:
        return self.spec.lifecycle.prevent_destroy

    @property
    def ignore_changes(self) -> list[str]:
        return list(self.spec.lifecycle.ignore_changes)
