"""The diff's cases one by one: notes, adoption, shared objects and the order of deletes."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from engine.kinds import LiveObject
from engine.plan.diff import diff
from engine.plan.model import Change
from engine.providers import KindRegistry
from engine.resources import Resource
from engine.state.base import ResourceRecord
from tests.engine.fake_kinds import FakeProvider, LabelKind, live_object, resource

REGISTRY = KindRegistry([FakeProvider])


def label(name: str, key: str, colour: str = "blue") -> Resource:
    return resource("labels", name, {"name": key, "colour": colour})


def live_label(remote_id: str, key: str, colour: str = "blue") -> LiveObject:
    return live_object("labels", remote_id, key, {"name": key, "colour": colour})


def record(address: str, remote_id: str, **fields: object) -> ResourceRecord:
    kind, name = address.split(".")
    return ResourceRecord(address, kind, name, remote_id, dict(fields))


def plan(desired: list[Resource], live: list[LiveObject],
         state: list[ResourceRecord]) -> list[Change]:
    by_kind: dict[str, list[LiveObject]] = {"labels": [], "links": []}
    for obj in live:
        by_kind[obj.kind].append(obj)
    return diff(REGISTRY.kinds, REGISTRY.order(), {d.address: d for d in desired}, by_kind,
                {r.address: r for r in state})


def test_deletes_run_in_reverse_dependency_order() -> None:
    """Links refer to labels: a label goes only after the links naming it."""
    live = [live_label("1", "A"),
            live_object("links", "2", "A:", {"label": "A", "note": "", "size": 1})]
    state = [record("labels.a", "1", name="A"), record("links.to-a", "2", label="A")]
    changes = plan([], live, state)
    assert [(c.action, c.address) for c in changes] == [("delete", "links.to-a"),
                                                        ("delete", "labels.a")]


def test_one_live_object_is_adopted_by_one_address_only() -> None:
    changes = plan([label("first", "A"), label("second", "A")], [live_label("1", "A")], [])
    assert [(c.action, c.address, c.remote_id) for c in changes] == [
        ("adopt", "labels.first", "1"), ("create", "labels.second", None)]
    assert changes[0].notes == ["exists already (id 1); Callboard will manage it"]
    assert changes[1].notes == []


def test_an_object_another_address_manages_is_not_adopted() -> None:
    changes = plan([label("new", "A")], [live_label("1", "A")],
                   [record("labels.old", "1", name="A", colour="blue")])
    assert [(c.action, c.address, c.remote_id) for c in changes] == [
        ("create", "labels.new", None), ("delete", "labels.old", "1")]


def test_two_addresses_for_one_object_forget_the_extra_one_in_state_only() -> None:
    """``state mv`` gone wrong: the object stays, the address no manifest declares goes."""
    state = [record("labels.kept", "1", name="A", colour="blue"),
             record("labels.copy", "1", name="A", colour="blue")]
    changes = plan([label("kept", "A")], [live_label("1", "A")], state)
    [change] = changes
    assert (change.action, change.address, change.remote_id) == ("delete", "labels.copy", None)
    assert change.notes == ["its object also belongs to labels.kept; only state is updated"]
    assert change.before == {"name": "A", "colour": "blue"}


def test_an_object_deleted_by_hand_is_created_again_with_a_note() -> None:
    [change] = plan([label("a", "A")], [], [record("labels.a", "9", name="A")])
    assert (change.action, change.remote_id) == ("create", None)
    assert change.notes == ["was deleted outside Callboard; it will be created again"]
    assert change.after == {"name": "A", "colour": "blue"}


def test_an_object_deleted_and_made_again_by_hand_is_taken_over_not_duplicated() -> None:
    """Creating it again would duplicate the one made since (or be refused): take that over,
    an update where it differs, an adoption where it does not."""
    state = [record("labels.a", "9", name="A"), record("labels.b", "8", name="B")]
    changes = plan([label("a", "A"), label("b", "B")],
                   [live_label("10", "A", "red"), live_label("11", "B")], state)
    assert [(c.action, c.address, c.remote_id) for c in changes] == [
        ("update", "labels.a", "10"), ("adopt", "labels.b", "11")]
    assert changes[0].notes == ["was deleted outside Callboard (id 9); Callboard will manage "
                                "the object made since with its name (id 10)"]


def test_an_adopted_object_that_differs_is_updated_with_a_note() -> None:
    [change] = plan([label("a", "A", "red")], [live_label("4", "A")], [])
    assert (change.action, change.remote_id) == ("update", "4")
    assert [(d.field, d.before, d.after) for d in change.diffs] == [("colour", "blue", "red")]
    assert change.notes == ["exists already (id 4); Callboard will manage it"]


def test_a_managed_object_that_matches_needs_no_change_and_no_note() -> None:
    assert plan([label("a", "A")], [live_label("4", "A")], [record("labels.a", "4")]) == []


def test_a_delete_of_an_object_already_gone_only_updates_state() -> None:
    [change] = plan([], [], [record("labels.a", "9", name="A", colour="red")])
    assert (change.action, change.remote_id) == ("delete", "9")
    assert change.notes == ["already deleted outside Callboard; only state is updated"]
    assert change.before == {"name": "A", "colour": "red"}
    assert change.fingerprint is None


def test_a_delete_shows_the_live_fields_and_pins_them() -> None:
    [change] = plan([], [live_label("4", "A", "red")], [record("labels.a", "4", name="A")])
    assert change.before == {"name": "A", "colour": "red"}
    assert change.notes == [] and change.fingerprint is not None


def test_a_delete_is_pinned_to_the_live_version_too() -> None:
    """A saved delete must be refused when someone saved the object since, even with the same
    fields: its fingerprint covers the version (update time) as well."""
    state = [record("labels.a", "4", name="A")]
    [before] = plan([], [replace(live_label("4", "A"), version="2026-01-01")], state)
    [after] = plan([], [replace(live_label("4", "A"), version="2026-02-01")], state)
    assert before.fingerprint != after.fingerprint


class KeptLabelKind(LabelKind):
    delete_note: ClassVar[str | None] = "labels stay; Callboard only stops managing this one"


def test_a_kind_whose_delete_only_stops_managing_says_so() -> None:
    kinds = {**REGISTRY.kinds, "labels": KeptLabelKind()}
    [change] = diff(kinds, REGISTRY.order(), {}, {"labels": [live_label("4", "A")]},
                    {"labels.a": record("labels.a", "4", name="A")})
    assert (change.action, change.notes) == (
        "delete", ["labels stay; Callboard only stops managing this one"])
