"""Loading a manifest directory into validated resources and project settings.

Every problem is collected with file:line and the field, so one run shows them all; nothing is
returned unless everything is valid.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from engine.errors import ManifestError, ManifestErrors
from engine.kinds import Kind, ResourceSpec
from engine.manifests.files import (
    MISNAMED_MESSAGE,
    MISNAMED_SETTINGS,
    SETTINGS_FILE,
    manifest_files,
    settings_file,
)
from engine.manifests.moved import MOVED_KEY, Move, check_moves, read_moves
from engine.manifests.settings import ProjectSettings
from engine.manifests.yaml_source import load_yaml_file, locate, plain
from engine.providers import KindRegistry
from engine.resources import NAME_PATTERN, Origin, Resource, address


@dataclass
class ManifestSet:
    """Everything one manifest directory declares."""

    directory: Path
    resources: dict[str, Resource] = field(default_factory=dict)
    settings: ProjectSettings = field(default_factory=ProjectSettings)
    #: Renames declared with top-level ``moved:`` entries, checked against ``resources``.
    moves: list[Move] = field(default_factory=list)
    #: How many manifest files were read (settings aside), which ``validate`` reports.
    files: int = 0

    def kinds(self) -> set[str]:
        return {r.kind for r in self.resources.values()}

    def of_kind(self, kind: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.kind == kind]


class ManifestTreeErrors(ManifestErrors):
    """A tree's problems together with what loaded around them, so ``validate --format json``
    still counts the files and resources it read."""

    def __init__(self, errors: list[ManifestError], manifests: ManifestSet) -> None:
        super().__init__(errors)
        self.manifests = manifests


def suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _model_at(model: type[BaseModel], path: tuple[Any, ...]) -> type[BaseModel] | None:
    """The nested pydantic model a validation error's location points into."""
    current: Any = model
    for step in path:
        if isinstance(step, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(step)
        if info is None:
            return None
        current = info.annotation
        for arg in getattr(current, "__args__", ()) or ():
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                current = arg
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def validation_errors(exc: ValidationError, model: type[BaseModel], root: Any, base: tuple,
                      file: str, default_line: int, prefix: str) -> list[ManifestError]:
    """One ManifestError per pydantic error, with the line of the offending key."""
    out: list[ManifestError] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        origin = locate(root, base + loc, file, default_line)
        dotted = ".".join(str(p) for p in loc)
        field_name = f"{prefix}.{dotted}" if prefix and dotted else (prefix or dotted)
        if err["type"] == "extra_forbidden":
            message = unknown_field(str(loc[-1]), _model_at(model, loc[:-1]))
        elif err["type"] == "missing":
            message = "required field is missing"
        else:
            message = err["msg"]
            value_error = err["type"].startswith("value_error")
            if value_error:
                message = message.removeprefix("Value error, ")
            if not value_error and "input" in err and not isinstance(err["input"], dict | list):
                message += f" (got {err['input']!r})"
        out.append(ManifestError(message, file=origin.file, line=origin.line, field=field_name))
    return out


def unknown_field(name: str, model: type[BaseModel] | None) -> str:
    """``unknown field 'descripton' (did you mean 'description'?); allowed: …``."""
    derived = getattr(model, "derived", frozenset())
    choices = [f for f in model.model_fields if f not in derived] if model else []
    message = f"unknown field {name!r}{suggest(name, choices)}"
    return message + (f"; allowed: {', '.join(choices)}" if choices else "")


def load_settings(directory: Path, display_root: Path) -> ProjectSettings:
    path = settings_file(directory)
    if path is None:
        return ProjectSettings()
    display = _display(path, display_root)
    data = load_yaml_file(path, display)
    if data is None:
        return ProjectSettings()
    if not isinstance(data, CommentedMap):
        raise ManifestError("callboard.yaml must be a mapping of settings", file=display, line=1)
    try:
        return ProjectSettings.model_validate(plain(data))
    except ValidationError as exc:
        raise ManifestErrors(
            validation_errors(exc, ProjectSettings, data, (), display, 1, "")) from exc


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _misplaced_settings(name: str, display: str) -> ManifestError:
    """A settings file in a subfolder would be read as a manifest, or not at all."""
    where = "beside the manifests or in the current directory"
    if name == SETTINGS_FILE:
        return ManifestError(f"{SETTINGS_FILE} is read only {where}: move it there",
                             file=display, line=1)
    return ManifestError(f"{MISNAMED_MESSAGE} (and keep it {where})", file=display, line=1)


def load_manifests(directory: Path, registry: KindRegistry,
                   display_root: Path | None = None) -> ManifestSet:
    """Read every ``*.yaml`` under ``directory``, subfolders included (settings aside), and
    validate it."""
    display_root = display_root or Path.cwd()
    if not directory.is_dir():
        raise ManifestError(f"manifest directory {directory} does not exist "
                            "(use -m DIR or CALLBOARD_MANIFESTS)")
    errors: list[ManifestError] = []
    manifests = ManifestSet(directory=directory)
    try:
        manifests.settings = load_settings(directory, display_root)
    except ManifestErrors as exc:
        errors.extend(exc.errors)
    except ManifestError as exc:
        errors.append(exc)

    files = manifest_files(directory)
    manifests.files = len(files)
    for path in files:
        display = _display(path, display_root)
        if path.name in (SETTINGS_FILE, MISNAMED_SETTINGS):
            errors.append(_misplaced_settings(path.name, display))
            continue
        try:
            data = load_yaml_file(path, display)
        except ManifestError as exc:
            errors.append(exc)
            continue
        errors.extend(_load_file(data, display, registry, manifests))

    errors.extend(check_references(manifests, registry))
    errors.extend(check_natural_keys(manifests, registry))
    errors.extend(check_moves(manifests.moves, set(manifests.resources), registry))
    if errors:
        raise ManifestTreeErrors(errors, manifests)
    return manifests


def load_files(paths: list[Path], registry: KindRegistry, display_root: Path) -> ManifestSet:
    """Just these manifest files, each read as the loader reads one (no settings, no checks
    across files): what ``generate --out DIR`` wrote there before, so it is not written again."""
    manifests, errors = ManifestSet(directory=display_root), []
    for path in paths:
        display = _display(path, display_root)
        try:
            errors.extend(_load_file(load_yaml_file(path, display), display, registry, manifests))
        except ManifestError as exc:
            errors.append(exc)
    if errors:
        raise ManifestErrors(errors)
    return manifests


def _load_file(data: Any, display: str, registry: KindRegistry,
               manifests: ManifestSet) -> list[ManifestError]:
    errors: list[ManifestError] = []
    if data is None:
        return errors
    if not isinstance(data, CommentedMap):
        return [ManifestError("a manifest file must be a mapping whose keys are resource kinds "
                              f"({', '.join(registry.names())}) or {MOVED_KEY}", file=display,
                              line=1)]
    for kind_name, entries in data.items():
        kind_line = locate(data, (kind_name,), display, 1).line
        if kind_name == MOVED_KEY:
            moves, problems = read_moves(entries, data, display)
            manifests.moves += moves
            errors += problems
            continue
        if kind_name not in registry:
            errors.append(ManifestError(
                f"unknown resource kind {kind_name!r}"
                f"{suggest(str(kind_name), [*registry.names(), MOVED_KEY])}",
                file=display, line=kind_line))
            continue
        if entries is None:
            continue
        if not isinstance(entries, CommentedMap):
            errors.append(ManifestError("must be a mapping of NAME: fields", file=display,
                                        line=kind_line, field=kind_name))
            continue
        for name, body in entries.items():
            errors.extend(_load_resource(kind_name, name, body, data, display, registry,
                                         manifests))
    return errors


def _load_resource(kind_name: str, name: Any, body: Any, root: CommentedMap, display: str,
                   registry: KindRegistry, manifests: ManifestSet) -> list[ManifestError]:
    origin = locate(root, (kind_name, name), display, 1)
    addr = address(kind_name, name)
    kind = registry[kind_name]
    bad_name = _bad_name(kind, name)
    if bad_name:
        return [ManifestError(bad_name, file=display, line=origin.line, field=addr)]
    if addr in manifests.resources:
        first = manifests.resources[addr].origin
        return [ManifestError(f"declared twice: at {first} and at {origin}",
                              file=display, line=origin.line, field=addr)]
    if body is None:
        body = CommentedMap()
    if not isinstance(body, CommentedMap):
        return [ManifestError("must be a mapping of fields", file=display, line=origin.line,
                              field=addr)]
    derived = [k for k in body if k in kind.model.derived]
    if derived:  # filled from the NAME, never written
        where = locate(root, (kind_name, name, derived[0]), display, origin.line)
        return [ManifestError(unknown_field(str(derived[0]), kind.model), file=display,
                              line=where.line, field=f"{addr}.{derived[0]}")]
    try:
        declared = kind.model.model_validate(plain(body))
        spec = kind.desired(name, declared)
    except ValidationError as exc:
        return validation_errors(exc, kind.model, root, (kind_name, name), display,
                                 origin.line, addr)
    except ValueError as exc:
        return [ManifestError(str(exc), file=display, line=origin.line, field=addr)]
    ignored = _unknown_ignored(kind, declared, root, (kind_name, name), display, origin.line)
    if ignored:
        return ignored
    filled = _filled_errors(declared, spec, name)
    if filled:
        return [ManifestError(message, file=display, line=origin.line, field=f"{addr}.{field}")
                for field, message in filled]
    field_origins = dict(_written_at(body, (kind_name, name), root, display, origin.line))
    manifests.resources[addr] = Resource(kind=kind_name, name=name, spec=spec, origin=origin,
                                         field_origins=field_origins)
    return []


def _unknown_ignored(kind: Kind, declared: ResourceSpec, root: CommentedMap, base: tuple,
                     display: str, line: int) -> list[ManifestError]:
    """``lifecycle.ignore_changes`` names fields of the kind: a misspelt one would protect
    nothing, and the plan would overwrite the very field the user meant to leave alone."""
    fields = kind.model.field_names()
    errors = []
    for i, ignored in enumerate(declared.lifecycle.ignore_changes):
        if ignored not in fields:
            where = locate(root, (*base, "lifecycle", "ignore_changes", i), display, line)
            errors.append(ManifestError(
                f"ignore_changes names no field {ignored!r}{suggest(ignored, fields)}; "
                f"fields: {', '.join(fields)}", file=display, line=where.line,
                field=f"{address(*base)}.lifecycle.ignore_changes"))
    return errors


def _written_at(node: Any, path: tuple, root: CommentedMap, display: str, line: int,
                prefix: str = "") -> Iterator[tuple[str, Origin]]:
    """Each key and list item under a resource, dotted (``filters.eaddress_types.0``), with
    its line: a rule's problem with a nested field points at that field."""
    items = (node.items() if isinstance(node, CommentedMap)
             else enumerate(node) if isinstance(node, CommentedSeq) else ())
    for key, value in items:
        dotted = f"{prefix}{key}"
        yield dotted, locate(root, (*path, key), display, line)
        yield from _written_at(value, (*path, key), root, display, line, f"{dotted}.")


def _bad_name(kind: Kind, name: Any) -> str | None:
    """Why ``name`` cannot name an object of ``kind`` (its own pattern, or Callboard's)."""
    pattern = kind.name_pattern or NAME_PATTERN
    if isinstance(name, str) and pattern.match(name):
        return None
    if kind.name_pattern is not None:
        return f"bad name {name!r}: must match {pattern.pattern}"
    return (f"bad name {name!r}: names use lower-case letters, digits, '-' and '_' and start "
            "with a letter or digit")


def _filled_errors(declared: ResourceSpec, spec: ResourceSpec,
                   name: str) -> list[tuple[str, str]]:
    """What ``Kind.desired`` filled in (a tag's name from its NAME) obeys the key's own
    rules, so a NAME too long for the name it becomes is refused here, at its line, rather
    than by the planner's model or by the service at apply."""
    model = type(spec)
    out: list[tuple[str, str]] = []
    for key in model.model_fields:
        value = getattr(spec, key)
        if value == getattr(declared, key):
            continue
        try:
            model.__pydantic_validator__.validate_assignment(declared.model_copy(), key, value)
        except ValidationError as exc:
            how = ("is" if key in model.derived else "defaults to")
            fix = ("use a shorter NAME" if key in model.derived
                   else f"declare a shorter {key}, or a shorter NAME")
            hint = f" (the {key} {how} the NAME: {fix})" if value == name else ""
            out += [(key, err["msg"].removeprefix("Value error, ") + hint)
                    for err in exc.errors()]
    return out


def check_references(manifests: ManifestSet, registry: KindRegistry) -> list[ManifestError]:
    """Fields naming another managed resource must name one that is declared."""
    errors: list[ManifestError] = []
    for resource in manifests.resources.values():
        kind = registry[resource.kind]
        for field_name, target_kind in kind.references.items():
            value = resource.fields.get(field_name)
            names = value if isinstance(value, list) else [value]
            for ref in names:
                if ref is None or address(target_kind, str(ref)) in manifests.resources:
                    continue
                declared = [r.name for r in manifests.of_kind(target_kind)]
                origin = resource.origin_of(field_name)
                errors.append(ManifestError(
                    f"refers to {target_kind}.{ref}, which no manifest declares"
                    f"{suggest(str(ref), declared)}", file=origin.file, line=origin.line,
                    field=f"{resource.address}.{field_name}"))
    return errors


def duplicate_key(resource: Resource, first: Resource, key: str) -> ManifestError:
    """Two addresses of one live object: the second named at its line, the first beside it."""
    return ManifestError(f"{resource.address} and {first.address} ({first.origin}) both declare "
                         f"the {resource.kind} object {key!r}; one object can have only one "
                         "address", file=resource.origin.file, line=resource.origin.line)


def check_natural_keys(manifests: ManifestSet, registry: KindRegistry) -> list[ManifestError]:
    """One live object declared under two NAMEs (keys compared without case, as Prospect2
    refuses "vip" beside "VIP"), found offline: ``validate`` says it, not only ``plan``."""
    errors: list[ManifestError] = []
    seen: dict[tuple[str, str], Resource] = {}
    for resource in sorted(manifests.resources.values(), key=lambda r: (r.kind, r.name)):
        key = registry[resource.kind].key(resource.spec)  # in the planner's order and words
        first = seen.setdefault((resource.kind, key.casefold()), resource)
        if first is not resource:
            errors.append(duplicate_key(resource, first, key))
    return errors
