"""Property tests of the diff: applying a plan converges, and stays inside the managed kinds."""

from __future__ import annotations

import itertools
from dataclasses import asdict

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.plan.diff import diff
from engine.plan.model import Change
from engine.providers import KindRegistry
from engine.state.base import ResourceRecord
from tests.engine.fake_kinds import FakeProvider, live_object, resource

REGISTRY = KindRegistry([FakeProvider])
NAMES = st.sampled_from(["a", "b", "c", "d", "e"])
COLOURS = st.sampled_from(["blue", "red"])


@st.composite
def worlds(draw):
    desired = {}
    # Natural keys are unique among declared resources (the planner refuses duplicates).
    names = draw(st.lists(NAMES, unique=True, max_size=5))
    keys = draw(st.permutations(["A", "B", "C", "D", "E"]))
    for name, key in zip(names, keys, strict=False):
        fields = {"name": key, "colour": draw(COLOURS)}
        desired[f"labels.{name}"] = resource("labels", name, fields)
    ids = itertools.count(1)
    live = {"labels": [], "links": []}
    for _ in range(draw(st.integers(0, 6))):
        rid = str(next(ids))
        fields = {"name": draw(NAMES).upper(), "colour": draw(COLOURS)}
        live["labels"].append(live_object("labels", rid, fields["name"], fields))
    for _ in range(draw(st.integers(0, 3))):  # a kind no manifest declares
        rid = str(next(ids))
        fields = {"label": "A", "note": "", "size": 1}
        live["links"].append(live_object("links", rid, "A:", fields))
    state = {}
    free = [o.remote_id for o in live["labels"]]
    for name in draw(st.lists(NAMES, unique=True, max_size=4)):
        # State never maps two addresses to one object (apply records one each).
        target = draw(st.sampled_from([None, *free]))
        if target:
            free.remove(target)
        remote = target or f"gone-{name}"
        state[f"labels.{name}"] = ResourceRecord(f"labels.{name}", "labels", name, remote,
                                                 {"name": name.upper(), "colour": "blue"})
    return desired, live, state


def simulate(changes: list[Change], live, state):
    """Apply changes to plain data as the services would (no HTTP: this tests the diff)."""
    live = {k: list(v) for k, v in live.items()}
    state = dict(state)
    counter = itertools.count(1000)
    kinds = REGISTRY.kinds
    for c in changes:
        objs = live.setdefault(c.kind, [])
        if c.action in ("update", "replace", "delete"):
            objs[:] = [o for o in objs if o.remote_id != c.remote_id or c.action == "update"]
        if c.action == "delete":
            state.pop(c.address, None)
            continue
        after = kinds[c.kind].planned(c.after or {})
        if c.action in ("create", "replace"):
            obj = live_object(c.kind, str(next(counter)), kinds[c.kind].key(after), c.after)
            objs.append(obj)
        else:
            obj = next(o for o in objs if o.remote_id == c.remote_id)
            if c.action == "update":
                objs.remove(obj)
                obj = live_object(c.kind, obj.remote_id, kinds[c.kind].key(after), c.after)
                objs.append(obj)
        state[c.address] = ResourceRecord(c.address, c.kind, c.name, obj.remote_id, obj.fields)
    return live, state


@settings(max_examples=300, deadline=None)
@given(worlds())
def test_applying_a_plan_leaves_nothing_to_do(world) -> None:
    desired, live, state = world
    changes = diff(REGISTRY.kinds, REGISTRY.order(), desired, live, state)
    live2, state2 = simulate(changes, live, state)
    assert diff(REGISTRY.kinds, REGISTRY.order(), desired, live2, state2) == []


@settings(max_examples=300, deadline=None)
@given(worlds())
def test_plan_never_touches_kinds_outside_the_manifests(world) -> None:
    desired, live, state = world
    changes = diff(REGISTRY.kinds, REGISTRY.order(), desired, live, state)
    in_scope = {d.kind for d in desired.values()} | {r.kind for r in state.values()}
    assert all(c.kind in in_scope for c in changes)
    unmanaged = {o.remote_id for o in live["links"]}
    assert not any(c.remote_id in unmanaged for c in changes)
    claimed = {r.remote_id for r in state.values()}
    for c in changes:
        if c.action == "delete":
            assert c.address in state and c.address not in desired
        if c.remote_id and c.action != "delete" and c.remote_id not in claimed:
            assert c.action in ("adopt", "update", "replace")  # adopted by natural key


def test_update_and_replace_are_told_apart() -> None:
    desired = {"links.x": resource("links", "x", {"label": "A", "note": "", "size": 2})}
    live = {"links": [live_object("links", "7", "A:", {"label": "A", "note": "", "size": 1})]}
    state = {"links.x": ResourceRecord("links.x", "links", "x", "7", {})}
    [change] = diff(REGISTRY.kinds, REGISTRY.order(), desired, live, state)
    assert (change.action, change.replace_reason) == ("replace", "size")
    desired["links.x"].spec.size = 1
    desired["links.x"].spec.note = ""
    desired["links.x"].spec.lifecycle.ignore_changes = []
    assert diff(REGISTRY.kinds, REGISTRY.order(), desired, live, state) == []


def test_ignore_changes_hides_a_field() -> None:
    desired = {"labels.a": resource("labels", "a", {"name": "A", "colour": "red"},
                                    lifecycle={"ignore_changes": ["colour"]})}
    live = {"labels": [live_object("labels", "1", "A", {"name": "A", "colour": "blue"})]}
    state = {"labels.a": ResourceRecord("labels.a", "labels", "a", "1", {})}
    assert diff(REGISTRY.kinds, REGISTRY.order(), desired, live, state) == []


def test_an_ignored_field_keeps_its_live_value_when_another_field_updates() -> None:
    """apply writes ``after``: an ignored field must carry the live value, or updating the
    name would overwrite the colour someone chose in the service."""
    desired = {"labels.a": resource("labels", "a", {"name": "B", "colour": "red"},
                                    lifecycle={"ignore_changes": ["colour"]})}
    live = {"labels": [live_object("labels", "1", "A", {"name": "A", "colour": "blue"})]}
    state = {"labels.a": ResourceRecord("labels.a", "labels", "a", "1", {})}
    [change] = diff(REGISTRY.kinds, REGISTRY.order(), desired, live, state)
    assert [d.field for d in change.diffs] == ["name"]
    assert change.after == {"name": "B", "colour": "blue"}


def test_a_create_writes_what_is_declared_even_for_ignored_fields() -> None:
    """``ignore_changes`` keeps a live value only where there is a live object: a new one
    is created with every declared value (there is nothing live to keep)."""
    desired = {"labels.a": resource("labels", "a", {"name": "A", "colour": "red"},
                                    lifecycle={"ignore_changes": ["colour"]})}
    [change] = diff(REGISTRY.kinds, REGISTRY.order(), desired, {"labels": []}, {})
    assert (change.action, change.after) == ("create", {"name": "A", "colour": "red"})


def test_a_replace_field_change_the_kind_lets_update_has_no_replace_reason(
        monkeypatch) -> None:
    """A kind may let a replace field change in place (a Data Sync's tag while it is
    disabled): the change is an update, and its ``replace_reason`` is null in the plan's
    JSON, not an empty string."""
    monkeypatch.setattr(type(REGISTRY.kinds["links"]), "replace_reason",
                        lambda self, live, desired: None)
    desired = {"links.x": resource("links", "x", {"label": "A", "note": "", "size": 2})}
    live = {"links": [live_object("links", "7", "A:", {"label": "A", "note": "", "size": 1})]}
    state = {"links.x": ResourceRecord("links.x", "links", "x", "7", {})}
    [change] = diff(REGISTRY.kinds, REGISTRY.order(), desired, live, state)
    assert (change.action, [d.field for d in change.diffs]) == ("update", ["size"])
    assert asdict(change)["replace_reason"] is None  # as Plan.to_dict writes it
