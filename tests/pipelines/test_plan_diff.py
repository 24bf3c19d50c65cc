"""plan_diff.py: what a reviewer of a re-plan is told changed since the plan they reviewed."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from syrupy.assertion import SnapshotAssertion

from tests.pipelines.script_run import GITHUB_SCRIPTS, run_script

_spec = importlib.util.spec_from_file_location("plan_diff", GITHUB_SCRIPTS / "plan_diff.py")
assert _spec and _spec.loader
plan_diff = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(plan_diff)

SECTIONS = {"**Not in the reviewed plan** (review these):": "added",
            "**No longer planned** (already done, or undone by a later merge):": "dropped",
            "**Planned differently**:": "changed"}


def change(address: str, action: str, **fields: Any) -> dict[str, Any]:
    return {"address": address, "action": action,
            "diffs": [{"field": k, "before": None, "after": v} for k, v in fields.items()]}


def sections(markdown: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"added": set(), "dropped": set(), "changed": set()}
    current = None
    for line in markdown.splitlines():
        current = SECTIONS.get(line, current)
        if line.startswith("- ") and current:
            found[current].add(line.split("` `", 1)[1].split("`", 1)[0])
    return found


changes = st.dictionaries(
    st.sampled_from([f"tags.t{n}" for n in range(6)]),
    st.tuples(st.sampled_from(["create", "update", "delete"]),
              st.dictionaries(st.sampled_from(["name", "description"]),
                              st.sampled_from(["a", "b"]), max_size=2)),
    max_size=6)


def as_plan(data: dict[str, tuple[str, dict[str, str]]]) -> list[dict[str, Any]]:
    return [change(address, action, **fields) for address, (action, fields) in data.items()]


@given(changes, changes)
def test_each_address_is_named_once_in_the_section_it_belongs_to(reviewed, replan) -> None:
    markdown = plan_diff.differences(as_plan(reviewed), as_plan(replan))
    found = sections(markdown)
    assert found["added"] == set(replan) - set(reviewed)
    assert found["dropped"] == set(reviewed) - set(replan)
    assert found["changed"] == {a for a in set(reviewed) & set(replan)
                                if reviewed[a] != replan[a]}
    same = not any(found.values())
    assert same == (markdown == "The re-plan makes exactly the changes of the reviewed plan.\n")


@given(changes, changes)
def test_swapping_the_plans_swaps_added_and_dropped(reviewed, replan) -> None:
    forward = sections(plan_diff.differences(as_plan(reviewed), as_plan(replan)))
    backward = sections(plan_diff.differences(as_plan(replan), as_plan(reviewed)))
    assert (forward["added"], forward["dropped"]) == (backward["dropped"], backward["added"])
    assert forward["changed"] == backward["changed"]


def test_a_replan_after_another_merge(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    reviewed = [change("tags.newsletter", "update", description="Newsletter (reviewed)"),
                change("tags.members-active", "create", name="Member - Active"),
                change("tags.old", "delete")]
    replan = [change("tags.newsletter", "update", description="Newsletter (reviewed)"),
              change("tags.members-active", "update", description="Members (merged since)"),
              change("custom_fields.seat", "replace", type="text"),
              change("tags.feedback", "update", description="x" * 80)]
    for name, plan in (("reviewed", reviewed), ("replan", replan)):
        (tmp_path / f"{name}.cbplan").write_text(json.dumps({"changes": plan}))
    done = run_script(GITHUB_SCRIPTS / "plan_diff.py", ["reviewed.cbplan", "replan.cbplan"], {},
                      tmp_path)
    assert done.code == 0, done.err
    assert done.out == snapshot
