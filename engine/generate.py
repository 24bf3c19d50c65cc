"""``generate``: manifests for live objects nobody manages yet (Terraform 1.5's
``-generate-config-out``). Files only: nothing enters state, so the next plan adopts each
object (``<=``) and ``apply`` records it, after review.

An object is left out when state manages it, when a manifest already declares it (its natural
key, or a NAME equal to that key), or when ``drift.ignore`` matches it. Each kind goes to a new
file, ``generated_<kind>.yaml`` (``generated_<kind>_2.yaml`` when that exists), so no file a user
wrote is ever overwritten. Every entry is checked the way the loader will read it, and must
adopt the very object it came from; one that cannot is left out and said.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.representer import RoundTripRepresenter

from engine.drift import ignored_by
from engine.kinds import Kind, LiveObject
from engine.live_index import LiveIndex
from engine.resources import NAME_PATTERN, Resource

FILE_PREFIX = "generated_"
#: Words YAML 1.1 reads as booleans (any case): Callboard reads them as text, but yamllint and
#: many editors do not, so generate quotes them.
YAML11_BOOLEANS = frozenset({"y", "yes", "n", "no", "true", "false", "on", "off"})


class GeneratedRepresenter(RoundTripRepresenter):
    """Text as generate writes it: quoted where a YAML 1.1 reader would see a boolean."""

    def represent_str(self, data: str) -> Any:
        if data.casefold() in YAML11_BOOLEANS:
            return self.represent_scalar("tag:yaml.org,2002:str", data, style="'")
        return super().represent_str(data)


GeneratedRepresenter.add_representer(str, GeneratedRepresenter.represent_str)


@dataclass
class GeneratedKind:
    """One kind's new manifest entries, NAME -> (live object, fields)."""

    kind: str
    entries: dict[str, tuple[LiveObject, dict[str, Any]]] = field(default_factory=dict)
    path: Path | None = None


@dataclass
class Generated:
    """What ``generate`` wrote, and what it left out and why."""

    kinds: list[GeneratedKind] = field(default_factory=list)
    ignored: int = 0
    declared: int = 0
    #: Objects no manifest can declare as they are live, with the reason.
    refused: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(k.entries) for k in self.kinds)


def slug(text: str) -> str:
    """A NAME for a live object: "Noël Gala" is ``noel-gala`` (accents dropped, not the
    letters that carry them)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return value or "unnamed"


def manifest_names(kind: str, objects: list[LiveObject], taken: set[str],
                   pattern: re.Pattern[str] | None) -> dict[str, LiveObject]:
    """A stable, unique manifest NAME for each live object (from its natural key)."""
    names: dict[str, LiveObject] = {}
    for obj in sorted(objects, key=lambda o: (o.key, o.remote_id)):
        base = obj.key if pattern and pattern.match(obj.key) else slug(obj.key)
        if not (pattern or NAME_PATTERN).match(base):
            base = f"{kind.rstrip('s')}-{base}"
        name, n = base, 2
        while name in taken or name in names:
            name, n = f"{base}-{n}", n + 1
        names[name] = obj
    return names


def declared_keys(kind: Kind, declared: Iterable[Resource]) -> set[str]:
    """What the manifests claim of ``kind``: natural keys and NAMEs, compared without case."""
    keys: set[str] = set()
    for resource in declared:
        if resource.kind == kind.name:
            keys |= {kind.key(resource.spec).casefold(), resource.name.casefold()}
    return keys


def entry_problem(kind: Kind, name: str, obj: LiveObject, entry: dict[str, Any]) -> str | None:
    """Why ``entry`` would not adopt ``obj`` when the loader reads it back (None: it will)."""
    try:
        spec = kind.desired(name, kind.model.model_validate(entry))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        return f"{where}: {message}" if where else message
    except ValueError as exc:
        return str(exc)
    if kind.key(spec) != obj.key:
        return f"its manifest would name another object ({kind.key(spec)!r})"
    return None


def generate_kind(kind: Kind, index: LiveIndex, declared: list[Resource],
                  taken: set[str], ignore: list[str], result: Generated) -> None:
    """The new entries of one kind, into ``result`` (with what was left out)."""
    claimed = declared_keys(kind, declared)
    free: list[LiveObject] = []
    for obj in index.unclaimed(kind.name):
        if obj.key.casefold() in claimed:
            result.declared += 1
        elif ignored_by(kind.name, obj.key, ignore):
            result.ignored += 1
        else:
            free.append(obj)
    generated = GeneratedKind(kind.name)
    for name, obj in manifest_names(kind.name, free, taken, kind.name_pattern).items():
        entry = kind.manifest_entry(obj)
        problem = entry_problem(kind, name, obj, entry)
        if problem:
            result.refused.append(f"{kind.name} {obj.key!r} (id {obj.remote_id}): {problem}")
            continue
        generated.entries[name] = (obj, entry)
    if generated.entries:
        result.kinds.append(generated)


def free_path(directory: Path, kind: str) -> Path:
    """``generated_<kind>.yaml``, or the first ``generated_<kind>_N.yaml`` that does not
    exist: a file someone wrote is never overwritten."""
    path, n = directory / f"{FILE_PREFIX}{kind}.yaml", 2
    while path.exists():
        path, n = directory / f"{FILE_PREFIX}{kind}_{n}.yaml", n + 1
    return path


def write_generated(directory: Path, result: Generated) -> None:
    """One new file per kind (``path`` set on each)."""
    yaml = YAML()
    yaml.Representer = GeneratedRepresenter
    yaml.default_flow_style = False
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    for generated in result.kinds:
        directory.mkdir(parents=True, exist_ok=True)
        generated.path = free_path(directory, generated.kind)
        body = {generated.kind: {name: entry for name, (_, entry)
                                 in generated.entries.items()}}
        with generated.path.open("x") as handle:  # "x": refuse a file that appeared meanwhile
            handle.write(f"# Written by 'callboard generate' from live {generated.kind} no "
                         "manifest declared.\n# 'callboard plan' adopts them (<=); nothing is "
                         "in state until 'callboard apply'.\n")
            yaml.dump(body, handle)
