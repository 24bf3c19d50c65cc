"""A saved plan is the reviewed plan: written to a file and read back, nothing is lost.

``plan --out FILE`` writes ``Plan.to_dict()`` as JSON and ``apply FILE`` reads it back with
``Plan.from_dict``; a field dropped on the way (the delete threshold, the targets, a change's
diffs, a warning) would apply something else than what was reviewed. Also the refusals a user
reads when a plan cannot be applied as it is.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import PlanRefused, StalePlan
from engine.plan.model import ACTIONS, FORMAT_VERSION, Change, FieldDiff, Plan, PlanWarning

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
values = st.none() | st.booleans() | st.integers(-5, 5) | texts | st.lists(texts, max_size=3)
fields = st.dictionaries(texts, values, max_size=3)

changes = st.builds(
    Change, action=st.sampled_from(ACTIONS), address=texts, kind=texts, name=texts,
    remote_id=st.none() | texts, before=st.none() | fields, after=st.none() | fields,
    diffs=st.lists(st.builds(FieldDiff, texts, values, values), max_size=2),
    replace_reason=st.none() | texts, fingerprint=st.none() | texts,
    origin=st.none() | texts, notes=st.lists(texts, max_size=2), prevent_destroy=st.booleans(),
    impact=st.none() | texts, create_before_destroy=st.booleans(), ref_ids=fields,
    moved_from=st.none() | texts)
warnings = st.builds(PlanWarning, texts, st.none() | texts, st.none() | texts)
plans = st.builds(
    Plan, id=texts, created_at=texts, lineage=texts, state_serial=st.integers(0, 99),
    changes=st.lists(changes, max_size=3), warnings=st.lists(warnings, min_size=1, max_size=2),
    managed_count=st.integers(0, 50), max_delete_fraction=st.sampled_from([0.1, 0.5, 1.0]),
    min_managed=st.integers(0, 20), refresh_only=st.booleans(),
    targets=st.lists(texts, min_size=1, max_size=2),
    target_dependencies=st.lists(texts, min_size=1, max_size=2), manifests=texts,
    manifest_digest=texts, callboard_version=texts,
    secret_fields=st.dictionaries(texts, st.lists(texts, max_size=2), min_size=1, max_size=2),
    estimates=st.dictionaries(texts, st.fixed_dictionaries(
        {"calls": st.integers(0, 9), "seconds": st.sampled_from([0.0, 1.5])}),
        min_size=1, max_size=2))


@given(plans)
def test_a_plan_read_back_from_its_file_is_the_same_plan(plan: Plan) -> None:
    saved = json.loads(json.dumps(plan.to_dict()))
    assert Plan.from_dict(saved) == plan


def test_a_saved_plan_keeps_every_setting_apply_checks() -> None:
    """The defaults differ from these, so a setting lost on the way cannot go unnoticed."""
    plan = Plan(id="p1", created_at="t", lineage="l", state_serial=4, managed_count=12,
                max_delete_fraction=0.9, min_managed=2, refresh_only=True, targets=["tags"],
                target_dependencies=["tags.a"], manifests="manifests", manifest_digest="d",
                secret_fields={"links": ["url"]}, estimates={"fake": {"calls": 2, "seconds": 0.4}},
                warnings=[PlanWarning("careful", "tags.a", "main.yaml:3")],
                changes=[Change("update", "tags.a", "tags", "a", remote_id="1",
                                diffs=[FieldDiff("colour", "blue", "red")])])
    again = Plan.from_dict(json.loads(json.dumps(plan.to_dict())))
    assert again.max_delete_fraction == 0.9 and again.refresh_only is True
    assert again.targets == ["tags"] and again.target_dependencies == ["tags.a"]
    assert again.manifests == "manifests" and again.secret_fields == {"links": ["url"]}
    assert again.estimates == {"fake": {"calls": 2, "seconds": 0.4}}
    assert again.warnings == [PlanWarning("careful", "tags.a", "main.yaml:3")]
    assert again.changes[0].diffs == [FieldDiff("colour", "blue", "red")]


def test_a_plan_file_of_another_format_is_refused_with_the_versions() -> None:
    data = Plan(id="p", created_at="t", lineage="l", state_serial=1).to_dict()
    data["format_version"] = FORMAT_VERSION + 1
    with pytest.raises(StalePlan) as refused:
        Plan.from_dict(data)
    assert str(refused.value) == (f"plan file has format_version {FORMAT_VERSION + 1}; this "
                                  f"Callboard reads "
                                  f"version {FORMAT_VERSION}: make a new plan")


def _deletes(count: int, managed: int, **settings: object) -> Plan:
    changes = [Change("delete", f"tags.t{i}", "tags", f"t{i}", remote_id=str(i))
               for i in range(count)]
    return Plan(id="p", created_at="t", lineage="l", state_serial=1, changes=changes,
                managed_count=managed, **settings)  # type: ignore[arg-type]


@pytest.mark.parametrize("floor", [0, 1])
def test_with_no_floor_deleting_the_one_managed_resource_needs_force(floor: int) -> None:
    """``safety.min_managed: 0`` (or 1) asks for the fraction check on any state."""
    assert _deletes(1, 1, min_managed=floor).safety_problems() == [
        "too many deletes and replaces: 100.00% is over 30.00% (1/1) of managed resources "
        "(safety.max_delete_fraction)"]


def test_the_refusal_names_every_problem_and_the_way_out() -> None:
    plan = _deletes(4, 10)
    plan.changes[0].prevent_destroy = True
    plan.changes[1] = Change("replace", "tags.kept", "tags", "kept", remote_id="9",
                             prevent_destroy=True)
    with pytest.raises(PlanRefused) as refused:
        plan.raise_if_unsafe(force=False)
    assert str(refused.value) == (
        "plan refused: too many deletes and replaces: 40.00% is over 30.00% (4/10) of managed "
        "resources (safety.max_delete_fraction); tags.t0 has lifecycle.prevent_destroy and "
        "would be deleted; tags.kept has lifecycle.prevent_destroy and would be replaced. "
        "Use --force to apply it anyway.")
    plan.raise_if_unsafe(force=True)


def test_the_counts_name_every_action() -> None:
    plan = _deletes(2, 10)
    plan.changes.append(Change("move", "tags.b", "tags", "b", moved_from="tags.a"))
    assert plan.counts() == {"create": 0, "update": 0, "replace": 0, "delete": 2, "adopt": 0,
                             "move": 1}
    assert plan.to_dict()["summary"] == plan.counts()
