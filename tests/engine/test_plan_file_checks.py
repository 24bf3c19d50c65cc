"""A damaged plan file is refused naming its first bad field; a plan another tool wrote may
leave out what has a default, and reads back with the defaults filled in (in process: the
workflow tests drive the same through ``apply FILE`` in a subprocess)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.plan.model import (
    Change,
    FieldDiff,
    Plan,
    PlanWarning,
    _with_defaults,
    plan_file_problem,
)


def saved() -> dict[str, Any]:
    """A plan as ``plan --out`` writes it."""
    plan = Plan(
        id="p1", created_at="2026-11-30T12:00:00Z", lineage="L", state_serial=3,
        changes=[Change(action="update", address="labels.a", kind="labels", name="a",
                        remote_id="1", diffs=[FieldDiff("colour", "blue", "red")])],
        warnings=[PlanWarning("labels.b is unmanaged", "labels.b", "labels.yaml:2")],
        services={"tessitura": "http://127.0.0.1:8001"},
        estimates={"fake": {"calls": 1.0, "seconds": 0.5}})
    return json.loads(json.dumps(plan.to_dict()))


def test_a_saved_plan_is_accepted_and_keeps_the_service_addresses() -> None:
    data = saved()
    assert plan_file_problem(data) is None
    assert Plan.from_dict(data).services == {"tessitura": "http://127.0.0.1:8001"}


def test_a_plan_written_by_a_tool_may_leave_out_what_has_a_default() -> None:
    data = saved()
    for name in ("managed_count", "targets", "services", "summary", "safety"):
        del data[name]
    for name in ("diffs", "notes", "follows", "ref_ids"):
        del data["changes"][0][name]
    del data["warnings"][0]["origin"]
    assert plan_file_problem(data) is None
    plan = Plan.from_dict(data)
    assert (plan.managed_count, plan.targets, plan.services) == (0, [], {})
    assert plan.changes[0] == Change(action="update", address="labels.a", kind="labels",
                                     name="a", remote_id="1")
    assert plan.warnings == [PlanWarning("labels.b is unmanaged", "labels.b")]


def test_a_plan_without_warnings_reads_back_with_none() -> None:
    data = saved()
    del data["warnings"]
    assert plan_file_problem(data) is None
    assert Plan.from_dict(data).warnings == []


@pytest.mark.parametrize(("damage", "problem"), [
    (lambda d: d.pop("id"), "id: Field required"),
    (lambda d: d["changes"][0]["diffs"][0].pop("before"),
     "changes.0.diffs.0.before: Field required"),
    (lambda d: d["estimates"]["fake"].pop("calls"), "estimates.fake.calls: Field required"),
    (lambda d: d["changes"][0].pop("action"), "changes.0.action: Field required"),
    (lambda d: d["warnings"][0].pop("message"), "warnings.0.message: Field required"),
])
def test_a_damaged_plan_file_is_refused_naming_the_field(damage: Any, problem: str) -> None:
    data = saved()
    damage(data)
    assert plan_file_problem(data) == problem


def test_the_first_bad_field_is_named_after_one_a_tool_may_leave_out() -> None:
    """The first change lacks its diffs (allowed); the second has an action no Callboard
    knows: that is what the user reads."""
    data = saved()
    data["changes"].append({**data["changes"][0], "action": "explode", "address": "labels.b"})
    del data["changes"][0]["diffs"]
    assert plan_file_problem(data) == ("changes.1.action: Input should be 'create', 'update', "
                                       "'replace', 'delete', 'adopt' or 'move'")


def test_what_a_plan_file_may_leave_out_is_every_field_with_a_default() -> None:
    """Computed once when the module loads: checked here directly, as a mutation run never
    re-imports the module."""
    assert _with_defaults(PlanWarning) == {"address", "origin"}
    assert _with_defaults(Change) == {
        "remote_id", "before", "after", "diffs", "replace_reason", "fingerprint", "origin",
        "notes", "prevent_destroy", "impact", "create_before_destroy", "ref_ids",
        "moved_from", "follows"}
    assert _with_defaults(Plan) == {
        "changes", "warnings", "managed_count", "max_delete_fraction", "min_managed",
        "refresh_only", "targets", "target_dependencies", "manifests", "manifest_digest",
        "callboard_version", "secret_fields", "estimates", "services"}
