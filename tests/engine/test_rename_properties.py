"""Property tests of renames: ``moved`` entries keep every live object, and a rename without
one is always caught before apply (beside the examples in tests/workflows/test_moved_*.py)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import ManifestError, PlanRefused
from engine.live_index import LiveIndex
from engine.manifests.moved import Move, check_moves
from engine.plan.diff import diff
from engine.plan.model import Change
from engine.plan.renames import moved_state, refuse_unmoved_renames, rename_conflicts
from engine.providers import KindRegistry
from engine.resources import Origin
from engine.state.base import ResourceRecord
from tests.engine.fake_kinds import FakeProvider, live_object, resource

REGISTRY = KindRegistry([FakeProvider])
OLD_NAMES = ["a", "b", "c", "d"]
NEW_NAMES = ["p", "q", "r", "s"]


@st.composite
def renames(draw):
    """Managed labels (in state, live), some renamed in the manifests, some recoloured."""
    names = draw(st.lists(st.sampled_from(OLD_NAMES), unique=True, min_size=1, max_size=4))
    state, live, desired, renamed = {}, {"labels": []}, {}, {}
    fresh = iter(NEW_NAMES)
    for number, name in enumerate(names, start=1):
        key, rid = name.upper(), str(number)
        live["labels"].append(live_object("labels", rid, key, {"name": key, "colour": "blue"}))
        state[f"labels.{name}"] = ResourceRecord(f"labels.{name}", "labels", name, rid,
                                                 {"name": key, "colour": "blue"})
        new = next(fresh) if draw(st.booleans()) else name
        if new != name:
            renamed[f"labels.{new}"] = f"labels.{name}"
        colour = draw(st.sampled_from(["blue", "red"]))
        desired[f"labels.{new}"] = resource("labels", new, {"name": key, "colour": colour})
    return state, live, desired, renamed


def _moves(renamed: dict[str, str]) -> list[Move]:
    return [Move(old, new, Origin("m.yaml", n)) for n, (new, old) in
            enumerate(sorted(renamed.items()), start=2)]


def _diff(desired, live, state, moves=()) -> list[Change]:
    return diff(REGISTRY.kinds, REGISTRY.order(), desired, live, state, moves=moves)


def simulate(changes: list[Change], live, state):
    """Apply changes to plain data as apply would: a move (or moved_from) moves the state
    entry first; only create, update, replace and delete touch live objects."""
    live = {k: list(v) for k, v in live.items()}
    state = dict(state)
    ids = itertools.count(1000)
    for c in changes:
        if c.moved_from:
            state[c.address] = replace(state.pop(c.moved_from), address=c.address, name=c.name)
        objs = live.setdefault(c.kind, [])
        if c.action == "delete":
            objs[:] = [o for o in objs if o.remote_id != c.remote_id]
            state.pop(c.address, None)
            continue
        if c.action == "move":
            continue
        rid = str(next(ids)) if c.action in ("create", "replace") else c.remote_id
        objs[:] = [o for o in objs if o.remote_id != c.remote_id]
        key = REGISTRY.kinds[c.kind].key(REGISTRY.kinds[c.kind].planned(c.after or {}))
        obj = live_object(c.kind, rid, key, c.after)
        objs.append(obj)
        state[c.address] = ResourceRecord(c.address, c.kind, c.name, rid, obj.fields)
    return live, state


@settings(max_examples=300, deadline=None)
@given(renames())
def test_declared_renames_keep_every_object_and_converge(world) -> None:
    state, live, desired, renamed = world
    moves = _moves(renamed)
    assert check_moves(moves, set(desired), REGISTRY) == []
    changes = _diff(desired, live, state, moves)
    assert {c.action for c in changes} <= {"move", "update"}
    assert {c.address: c.moved_from for c in changes if c.moved_from} == renamed
    moved, _ = moved_state(state, moves)
    assert rename_conflicts(changes, REGISTRY.kinds, LiveIndex(live, moved.values())) == []
    live2, state2 = simulate(changes, live, state)
    assert set(state2) == set(desired)
    for new, old in renamed.items():
        assert state2[new].remote_id == state[old].remote_id
    assert len(live2["labels"]) == len(live["labels"])
    assert _diff(desired, live2, state2, moves) == []
    assert _diff(desired, live2, state2) == []  # applied entries do nothing


@settings(max_examples=300, deadline=None)
@given(renames())
def test_every_undeclared_rename_is_caught_with_its_entry(world) -> None:
    state, live, desired, renamed = world
    changes = _diff(desired, live, state)
    pairs = rename_conflicts(changes, REGISTRY.kinds, LiveIndex(live, state.values()))
    assert {(created.address, deleted.address) for created, deleted in pairs} == set(
        renamed.items())
    if not renamed:
        refuse_unmoved_renames(pairs, REGISTRY.kinds)  # nothing to refuse
        return
    with pytest.raises(PlanRefused) as refused:
        refuse_unmoved_renames(pairs, REGISTRY.kinds)
    text = str(refused.value)
    for new, old in renamed.items():  # each entry on a line of its own, ready to paste
        assert f"\n    - {{from: {old}, to: {new}}}\n" in text
    olds = list(renamed.values())
    assert (f"If you renamed {olds[0]}, say so" if len(olds) == 1
            else "If these are renames, say so") in text
    said = text.removeprefix("plan refused: ").partition(". If ")[0].split("; ")
    assert sorted(said) == sorted(  # one clause per rename, "; " between them
        f"{new} would be created and {old} destroyed, but both are the "
        f"{new.split('.')[0]} object {_key(changes, new)!r}" for new, old in renamed.items())


def _key(changes: list[Change], address: str) -> str:
    created = next(c for c in changes if c.address == address)
    kind = REGISTRY.kinds[created.kind]
    return kind.key(kind.planned(created.after or {}))


ADDRESSES = st.sampled_from(["labels.a", "labels.b", "labels.c", "links.a", "links.b"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(ADDRESSES, ADDRESSES), max_size=4),
       st.sets(ADDRESSES), st.sets(ADDRESSES))
def test_accepted_moves_mean_the_same_in_any_order(pairs, declared, in_state) -> None:
    moves = [Move(a, b, Origin("m.yaml", n)) for n, (a, b) in enumerate(pairs, start=2)]
    if check_moves(moves, declared, REGISTRY):
        return
    assert all(m.source not in declared for m in moves)  # ``to`` undeclared may be history
    assert len({m.source for m in moves} | {m.target for m in moves}) == 2 * len(moves)
    state = {a: ResourceRecord(a, a.split(".")[0], a.split(".")[1], f"id-{a}")
             for a in in_state}
    try:
        forward = moved_state(state, moves, declared)
    except ManifestError:
        with pytest.raises(ManifestError):
            moved_state(state, list(reversed(moves)), declared)
        return
    assert all(m.target in declared for m in moves if m.source in in_state)
    assert moved_state(state, list(reversed(moves)), declared) == forward


def test_check_moves_examples() -> None:
    declared = {"labels.b", "labels.c"}
    ok = [Move("labels.a", "labels.b")]
    assert check_moves(ok, declared, REGISTRY) == []
    chain = [Move("labels.a", "labels.b"), Move("labels.b", "labels.c")]
    [problem] = check_moves(chain, declared, REGISTRY)
    assert "chain" in str(problem) and "{from: labels.a, to: labels.c}" in str(problem)
    twice = [Move("labels.a", "labels.b"), Move("labels.a", "labels.c")]
    assert "one address moves once" in str(check_moves(twice, declared, REGISTRY)[0])


def test_a_move_applied_before_does_not_stop_the_ones_after_it() -> None:
    state = {"labels.b": ResourceRecord("labels.b", "labels", "b", "2", {"name": "B"})}
    moved, sources = moved_state(state, [Move("labels.a", "labels.p"),
                                         Move("labels.b", "labels.q")])
    assert (list(moved), sources) == (["labels.q"], {"labels.q": "labels.b"})
    assert (moved["labels.q"].remote_id, moved["labels.q"].name) == ("2", "q")


def test_an_entry_whose_to_is_no_longer_declared_is_history_once_applied() -> None:
    """``to`` deleted after the move was applied: the entry does nothing, the diff deletes it."""
    state = {"labels.p": ResourceRecord("labels.p", "labels", "p", "1", {"name": "A"})}
    moved, sources = moved_state(state, [Move("labels.a", "labels.p")], declared=set())
    assert (moved, sources) == (state, {})
    live = {"labels": [live_object("labels", "1", "A", {"name": "A", "colour": "blue"})]}
    [change] = _diff({}, live, state, moves=[Move("labels.a", "labels.p")])
    assert (change.action, change.address, change.moved_from) == ("delete", "labels.p", None)


def test_a_move_to_an_undeclared_address_is_refused_while_from_is_in_state() -> None:
    state = {"labels.a": ResourceRecord("labels.a", "labels", "a", "1", {"name": "A"})}
    typo = Move("labels.a", "labels.pq", Origin("m.yaml", 3))
    with pytest.raises(ManifestError) as refused:
        moved_state(state, [typo], declared={"labels.p", "labels.other"})
    assert str(refused.value) == (
        "m.yaml:3: moved: moves labels.a to labels.pq, which no manifest declares (did you "
        "mean 'labels.p'?): declare labels.pq (the renamed resource), or remove the entry to "
        "delete labels.a")
    desired = {"labels.p": resource("labels", "p", {"name": "A", "colour": "blue"})}
    live = {"labels": [live_object("labels", "1", "A", {"name": "A", "colour": "blue"})]}
    with pytest.raises(ManifestError, match="which no manifest declares"):
        _diff(desired, live, state, moves=[typo])
    assert moved_state(state, [Move("labels.a", "labels.p")], declared={"labels.p"})[1] == {
        "labels.p": "labels.a"}


def test_a_name_an_update_gives_up_is_no_rename() -> None:
    """Only deletes pair with creates: a tag renamed in place (``A`` → ``Z``) while a new
    one takes its old name is an update and a create, not an undeclared rename."""
    state = {"labels.a": ResourceRecord("labels.a", "labels", "a", "1", {"name": "A"})}
    live = {"labels": [live_object("labels", "1", "A", {"name": "A", "colour": "blue"})]}
    desired = {"labels.a": resource("labels", "a", {"name": "Z", "colour": "blue"}),
               "labels.b": resource("labels", "b", {"name": "A", "colour": "blue"})}
    changes = _diff(desired, live, state)
    assert sorted((c.action, c.address) for c in changes) == [
        ("create", "labels.b"), ("update", "labels.a")]
    assert rename_conflicts(changes, REGISTRY.kinds, LiveIndex(live, state.values())) == []
