"""``schema``: JSON Schema of the manifest format (for yaml-language-server and editors), or of
one of the JSON outputs (``--output plan``), as shipped in engine/schemas/."""

from __future__ import annotations

import json
from typing import Any

import click

from engine.artifacts import shipped_schema
from engine.cli import params as p
from engine.cli.runtime import Runtime
from engine.manifests.moved import MOVED_KEY
from engine.providers import KindRegistry
from engine.resources import NAME_PATTERN


def manifest_schema(registry: KindRegistry) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for name in sorted(registry.names()):
        kind = registry[name]
        properties[name] = {
            "type": "object",
            "description": kind.description or f"{name} resources",
            "propertyNames": {"pattern": (kind.name_pattern or NAME_PATTERN).pattern},
            "additionalProperties": kind.model.model_json_schema(),
        }
    address = {"type": "string", "pattern": r"^[a-z_]+\.[^.]+$",
               "description": "KIND.NAME, e.g. tags.vip"}
    properties[MOVED_KEY] = {
        "type": "array",
        "description": "Renames of a resource's NAME: its state entry moves, no API call",
        "items": {"type": "object", "properties": {"from": address, "to": address},
                  "required": ["from", "to"], "additionalProperties": False},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Callboard manifest",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }


@click.command()
@p.schema_output
@p.pass_runtime
def schema(rt: Runtime, output: str | None) -> None:
    """Print the JSON Schema of manifest files, or of a command's JSON output (--output)."""
    if output:
        rt.output.raw(shipped_schema(output))
        return
    rt.output.raw(json.dumps(manifest_schema(rt.registry()), indent=2, sort_keys=True) + "\n")


COMMANDS = [schema]
