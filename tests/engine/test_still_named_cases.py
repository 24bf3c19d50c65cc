"""Refusing to delete what something staying still names, case by case on test-only kinds: the
field the refusal points at (however deep, as written), a NAME that is no deleted object's
key, and managed objects already gone from live. The workflow tests
(``tests/workflows/test_qa_delete_still_named.py``) show the same refusals through the CLI."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from engine.errors import ManifestErrors, PlanRefused
from engine.kinds import Kind, ResourceSpec
from engine.live_index import LiveIndex
from engine.plan.model import Change
from engine.plan.still_named import refuse_deleting_named
from engine.resources import Origin, Resource
from engine.state.base import ResourceRecord
from tests.engine.fake_kinds import LabelKind, LinkKind, live_object, resource


class BundleSpec(ResourceSpec):
    title: str
    items: list[dict[str, Any]] = []


class BundleKind(Kind):
    """Names labels by their key, inside a list of mappings."""

    name: ClassVar[str] = "bundles"
    provider: ClassVar[str] = "fake"
    model: ClassVar[type[ResourceSpec]] = BundleSpec

    def key(self, value: Any) -> str:
        return str(value.title)

    def refers_to(self, value: Any) -> list[tuple[str, str]]:
        return [("labels", str(item["label"])) for item in value.items]


KINDS: dict[str, Kind] = {"labels": LabelKind(), "links": LinkKind(), "bundles": BundleKind()}
OLD = live_object("labels", "7", "xray", {"name": "xray"})  # managed as labels.old, undeclared
DELETE_OLD = Change(action="delete", address="labels.old", kind="labels", name="old",
                    remote_id="7")
RECORDS = {"labels.old": ResourceRecord("labels.old", "labels", "old", "7")}


def _refuse(desired: dict[str, Resource], declared: dict[str, Resource] | None = None,
            records: dict[str, ResourceRecord] | None = None) -> None:
    refuse_deleting_named([DELETE_OLD], KINDS, desired, declared or desired,
                          records or RECORDS, LiveIndex({"labels": [OLD]}))


def _written(kind: str, name: str, fields: dict[str, Any], line: int,
             **field_lines: int) -> Resource:
    """A resource as the loader gives it: its line, and each field's (dotted paths)."""
    made = resource(kind, name, fields) if kind != "bundles" else Resource(
        kind, name, BundleSpec.model_validate(fields))
    return Resource(made.kind, made.name, made.spec, Origin("m.yaml", line),
                    {path.replace("__", "."): Origin("m.yaml", n)
                     for path, n in field_lines.items()})


def _error(desired: dict[str, Resource], declared: dict[str, Resource] | None = None) -> str:
    with pytest.raises(ManifestErrors) as refused:
        _refuse(desired, declared)
    (error,) = refused.value.errors
    return f"{error.file}:{error.line}: {error.field}"


def test_a_key_inside_a_list_of_mappings_is_pointed_at_where_written() -> None:
    """Matched without case, and a key may begin with a capital X (only ``%`` is trimmed)."""
    bundle = _written("bundles", "b", {"title": "B", "items": [{"label": "blue"},
                                                              {"label": "XRAY"}]},
                      4, items__1__label=7)
    assert _error({"bundles.b": bundle}) == "m.yaml:7: bundles.b.items.1.label"


def test_a_key_the_written_spec_does_not_hold_points_at_the_resource() -> None:
    """The handler resolved what the user wrote (a NAME of a label since undeclared, say) to
    the key: no written field holds it, so the refusal names the resource at its line."""
    written = _written("links", "one", {"label": "old"}, 3, label=4)
    resolved = written.resolved(written.spec.model_copy(update={"label": "xray"}))
    assert _error({"links.one": resolved}, {"links.one": written}) == "m.yaml:3: links.one"


def test_a_declared_name_is_not_a_deleted_objects_key() -> None:
    """``label: xray`` is the declared labels.xray (a NAME wins), not the deleted object whose
    key is "xray": nothing refused."""
    desired = {"labels.xray": resource("labels", "xray", {"name": "X-ray"}),
               "links.one": resource("links", "one", {"label": "xray"})}
    _refuse(desired)


def test_a_managed_object_already_gone_from_live_is_passed_over() -> None:
    gone = ResourceRecord("links.gone", "links", "gone", "9")  # deleted by hand since
    _refuse({}, records={**RECORDS, "links.gone": gone})


def test_a_kept_objects_live_name_is_no_declared_name() -> None:
    """A live value names objects by their live names, never by a NAME: links.kept, left in
    place (``--target``), still names the deleted "xray" although labels.xray is declared
    (as "X-ray"), so deleting it is refused (stop 21: the NAME check skipped it)."""
    kept = live_object("links", "9", "xray:", {"label": "xray", "note": ""})
    records = {**RECORDS, "links.kept": ResourceRecord("links.kept", "links", "kept", "9")}
    desired = {"labels.xray": resource("labels", "xray", {"name": "X-ray"})}
    with pytest.raises(PlanRefused, match="labels.old would be destroyed while links.kept"):
        refuse_deleting_named([DELETE_OLD], KINDS, desired, desired, records,
                              LiveIndex({"labels": [OLD], "links": [kept]}))
