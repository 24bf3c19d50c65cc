"""A vendor's API description (OpenAPI 3.1 or Swagger 2.0), read as a checker of answers.

Validation is JSON Schema (``jsonschema``) against the response schemas the vendor wrote,
referenced in place so ``$ref``s resolve within the document. Three readings, each what the
vendor's own material implies rather than our view of the API:

- ``oneOf`` is read as ``anyOf``: ActiveCampaign's alternatives overlap (an answer that fits
  two of them is still the answer the description shows).
- An ActiveCampaign response with an example and no schema is checked against the shape of
  its example (each key's JSON type): the schemas of the other operations were generated
  from their examples in exactly this way.
- Tessitura's Swagger 2.0 lists no error answers; a 4xx/5xx is checked against an array of
  its ``ErrorMessage`` definition, the ``default`` response tq's patch of the same file adds.
  Swagger 2.0 cannot say a property may be null and the .NET service sends null for every
  unset reference, date and number (tq's patch marks date-times ``x-nullable`` for this),
  so a null property value is accepted; a present value must have the described type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema import Draft4Validator, Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

REFERENCE = Path(__file__).parent / "reference"
METHODS = ("get", "post", "put", "delete", "patch")


@dataclass
class DescribedOperation:
    method: str
    template: str
    pattern: re.Pattern[str]
    #: status -> JSON pointer of the response schema, or a schema derived from an example,
    #: or None when the description gives neither (status checked, body not).
    responses: dict[str, str | dict[str, Any] | None] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    body = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{body}/?$", re.IGNORECASE)


def _pointer(*segments: str) -> str:
    return "#/" + "/".join(quote(s.replace("~", "~0").replace("/", "~1"), safe="")
                           for s in segments)


def _read_oneof_as_anyof(node: Any) -> Any:
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else k): _read_oneof_as_anyof(v)
                for k, v in node.items()}
    if isinstance(node, list):
        return [_read_oneof_as_anyof(v) for v in node]
    return node


def _nullable_properties(node: Any) -> Any:
    """Every property of every object schema also accepts null (Swagger 2.0 reading)."""
    if isinstance(node, dict):
        out = {k: _nullable_properties(v) for k, v in node.items()}
        if isinstance(out.get("properties"), dict):
            out["properties"] = {name: {"anyOf": [schema, {"type": "null"}]}
                                 for name, schema in out["properties"].items()}
        return out
    if isinstance(node, list):
        return [_nullable_properties(v) for v in node]
    return node


def shape_of(example: Any) -> dict[str, Any]:
    """The schema an example implies: its keys' JSON types (null: anything)."""
    if isinstance(example, dict):
        return {"type": "object",
                "properties": {k: shape_of(v) for k, v in example.items()}}
    if isinstance(example, list):
        return {"type": "array", **({"items": shape_of(example[0])} if example else {})}
    if isinstance(example, bool):
        return {"type": "boolean"}
    if isinstance(example, int):
        return {"type": "integer"}
    if isinstance(example, float):
        return {"type": "number"}
    if isinstance(example, str):
        return {"type": "string"}
    return {}


def _parse_example(value: Any) -> Any:
    """The example's JSON; ``_UNREADABLE`` when even a lenient reading fails (one 404 example
    is two documents pasted together)."""
    if not isinstance(value, str):
        return value
    for text in (value, re.sub(r",(\s*[\]}])", r"\1", value)):  # stray trailing commas
        try:
            return json.loads(text)
        except ValueError:
            continue
    return _UNREADABLE


_UNREADABLE = object()


class Description:
    """One vendor description: its operations and a checker for answers to them."""

    def __init__(self, path: Path, *, mount: str) -> None:
        self._load(json.loads(path.read_text(encoding="utf-8")), path.stem, mount)

    @classmethod
    def of_document(cls, raw: dict[str, Any], *, name: str, mount: str) -> Description:
        """A description held in code (``documented_pages``) rather than in a file."""
        self = cls.__new__(cls)
        self._load(raw, name, mount)
        return self

    def _load(self, raw: dict[str, Any], name: str, mount: str) -> None:
        self.swagger2 = raw.get("swagger") == "2.0"
        self.mount = mount
        self.uri = f"urn:callboard:contract:{name}"
        document = _read_oneof_as_anyof(raw)
        if self.swagger2:
            document = _nullable_properties(document)
        self.document = document
        spec = DRAFT4 if self.swagger2 else DRAFT202012
        self.registry: Registry[Any] = Registry().with_resource(
            self.uri, Resource(contents=document, specification=spec))
        self.validator_class = Draft4Validator if self.swagger2 else Draft202012Validator
        self.operations = sorted(self._operations(), key=_specificity)
        self.error_schema: dict[str, Any] | None = (
            {"type": "array", "items": {"$ref": f"{self.uri}#/definitions/ErrorMessage"}}
            if self.swagger2 else None)

    def _operations(self) -> Iterator[DescribedOperation]:
        for template, item in self.document["paths"].items():
            for method, op in item.items():
                if method not in METHODS:
                    continue
                described = DescribedOperation(method.upper(), template, _pattern(template))
                for status, answer in op.get("responses", {}).items():
                    described.responses[status] = self._response_schema(
                        ("paths", template, method, "responses", status), answer)
                yield described

    def _response_schema(self, where: tuple[str, ...], answer: dict[str, Any]
                         ) -> str | dict[str, Any] | None:
        if self.swagger2:
            return _pointer(*where, "schema") if "schema" in answer else None
        content = answer.get("content") or {}
        for media in ("application/json", *content):
            entry = content.get(media) or {}
            if "schema" in entry:
                return _pointer(*where, "content", media, "schema")
            examples = entry.get("examples") or {}
            for example in examples.values():
                parsed = _parse_example(example.get("value", _UNREADABLE))
                if parsed is not _UNREADABLE:
                    return shape_of(parsed)
        return None

    def find(self, method: str, path: str) -> DescribedOperation | None:
        relative = path[len(self.mount):] if path.startswith(self.mount) else path
        return next((op for op in self.operations
                     if op.method == method and op.pattern.match(relative)), None)

    def validate(self, schema: str | dict[str, Any], body: Any) -> str | None:
        """None when ``body`` fits ``schema`` (a pointer into the document, or a schema)."""
        target = {"$ref": self.uri + schema} if isinstance(schema, str) else schema
        validator = self.validator_class(target, registry=self.registry)
        error = best_match(validator.iter_errors(body))
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        return f"at {where}: {error.message[:300]}"


def _specificity(op: DescribedOperation) -> tuple[int, int]:
    """Literal paths first (``/Lists/Summary`` before ``/Lists/{id}``)."""
    return op.template.count("{"), -len(op.template)


def prospect2_description() -> Description:
    return Description(REFERENCE / "activecampaign" / "activecampaign-v3.callboard-subset.json",
                       mount="/api/3")


def tessitura_description() -> Description:
    return Description(REFERENCE / "tessitura" / "tessitura-api-15.2.40.callboard-subset.json",
                       mount="/TessituraService")
