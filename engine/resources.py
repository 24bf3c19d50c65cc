"""Declared resources: the kind's model of what the manifests say, and where each came from."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
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


def closest_address(addr: str, known: Iterable[str]) -> str:
    """`` (did you mean 'tags.members-active'?)`` for a mistyped address, or ''. NAMEs are
    compared within their kind (the shared ``tags.`` would make any two tags look alike);
    an address of an unknown kind, or a kind alone, is compared whole."""
    choices = sorted(set(known))
    kind, name = split_address(addr)
    by_name = {split_address(a)[1]: a for a in choices if split_address(a)[0] == kind}
    if by_name and name:
        close = difflib.get_close_matches(name, list(by_name), n=1, cutoff=0.6)
        return f" (did you mean {by_name[close[0]]!r}?)" if close else ""
    close = difflib.get_close_matches(addr, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


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
        """Where ``field_name`` (dotted for nested keys and list items: ``filters.
        eaddress_types.0``) was written, else its nearest written parent. A nested key is
        matched without case, as a rule may name it normalized (a perstag in capitals)."""
        parts = field_name.split(".")
        for end in range(len(parts), 0, -1):
            path = ".".join(parts[:end])
            found = self.field_origins.get(path)
            if found is None and end > 1:
                found = next((o for p, o in self.field_origins.items()
                              if p.casefold() == path.casefold()), None)
            if found is not None:
                return found
        return self.origin

    def resolved(self, spec: ResourceSpec) -> Resource:
        return replace(self, spec=spec)

    @property
    def prevent_destroy(self) -> bool:
        return self.spec.lifecycle.prevent_destroy

    @property
    def ignore_changes(self) -> list[str]:
        return list(self.spec.lifecycle.ignore_changes)
