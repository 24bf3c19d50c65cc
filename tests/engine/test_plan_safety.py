"""The plan's safety thresholds (spec §3, §5): the delete fraction, its floor, prevent_destroy."""

from __future__ import annotations

import pytest

from engine.errors import PlanRefused
from engine.plan.model import Change, Plan


def _plan(managed: int, deletes: int, **settings: object) -> Plan:
    changes = [Change(action="delete", address=f"tags.t{i}", kind="tags", name=f"t{i}",
                      remote_id=str(i)) for i in range(deletes)]
    return Plan(id="p", created_at="t", lineage="l", state_serial=1, changes=changes,
                managed_count=managed, **settings)  # type: ignore[arg-type]


def test_below_min_managed_the_delete_fraction_is_not_checked() -> None:
    """Deleting 1 of 3 resources is a decision, not an accident (octoDNS's floor of 10)."""
    assert _plan(3, 1).safety_problems() == []
    assert _plan(9, 9).safety_problems() == []
    _plan(9, 9).raise_if_unsafe(force=False)


def test_from_min_managed_on_too_many_deletes_need_force() -> None:
    problems = _plan(10, 4).safety_problems()
    assert problems == ["too many deletes and replaces: 40.00% is over 30.00% (4/10) of "
                        "managed resources (safety.max_delete_fraction)"]
    assert _plan(10, 3).safety_problems() == []
    with pytest.raises(PlanRefused, match="Use --force"):
        _plan(10, 4).raise_if_unsafe(force=False)
    _plan(10, 4).raise_if_unsafe(force=True)


def test_min_managed_is_a_setting() -> None:
    assert _plan(3, 1, min_managed=0).safety_problems()[0].startswith(
        "too many deletes and replaces: 33.33% is over 30.00% (1/3)")
    assert _plan(20, 19, min_managed=50).safety_problems() == []
    assert _plan(0, 0, min_managed=0).safety_problems() == []


def test_prevent_destroy_needs_force_whatever_the_count() -> None:
    plan = _plan(2, 1)
    plan.changes[0].prevent_destroy = True
    assert plan.safety_problems() == ["tags.t0 has lifecycle.prevent_destroy and would be "
                                      "deleted"]


def test_a_saved_plan_keeps_its_floor() -> None:
    saved = Plan.from_dict(_plan(5, 2, min_managed=3).to_dict())
    assert saved.min_managed == 3 and saved.safety_problems()
