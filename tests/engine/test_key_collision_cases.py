"""Refusing an update onto a key another live object has, on test-only kinds: which of the
refusals' reasons a plan gets (the workflow tests in ``tests/workflows/test_qa_key_collisions.py``
show each through the CLI)."""

from __future__ import annotations

import pytest

from engine.errors import ManifestErrors
from engine.live_index import LiveIndex
from engine.plan.diff import diff
from engine.plan.key_collisions import refuse_key_collisions
from engine.providers import KindRegistry
from engine.state.base import ResourceRecord
from tests.engine.fake_kinds import FakeProvider, live_object, resource

REGISTRY = KindRegistry([FakeProvider])


@pytest.mark.parametrize("old_name", ["Old", "XXXX", "xxxx"])
def test_taking_the_name_of_a_label_the_plan_deletes_is_no_swap(old_name: str) -> None:
    """labels.a takes "B" while labels.b (which has it) is deleted: two applies, not a swap,
    whatever labels.a was called before (an upper- or lower-case "XXXX" too)."""
    live = {"labels": [live_object("labels", "1", old_name, {"name": old_name}),
                       live_object("labels", "2", "B", {"name": "B"})]}
    records = {"labels.a": ResourceRecord("labels.a", "labels", "a", "1"),
               "labels.b": ResourceRecord("labels.b", "labels", "b", "2")}
    desired = {"labels.a": resource("labels", "a", {"name": "B"})}
    changes = diff(REGISTRY.kinds, REGISTRY.order(), desired, live, records)
    assert sorted(c.action for c in changes) == ["delete", "update"]

    with pytest.raises(ManifestErrors) as refused:
        refuse_key_collisions(changes, REGISTRY.kinds, desired, desired, records,
                              LiveIndex(live))

    (error,) = refused.value.errors
    assert error.detail == (
        f"would change labels object 1 from {old_name!r} to 'B', which labels.b (id 2) has "
        "until this plan changes it: apply makes its changes at once (deletes last), and the "
        "service would refuse a second 'B'; apply the change of labels.b first, with "
        "'--target labels.b'. Nothing was changed.")
