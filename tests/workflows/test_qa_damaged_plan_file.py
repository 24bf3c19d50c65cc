"""A saved plan edited by hand or damaged (an unknown action, a field missing or added) was
half-applied and then ended in "internal error … please report it", leaving the state marked as
applying it. It is refused as not a valid plan file, naming the first bad field, before state is
opened; the genuine file still applies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cli.conftest import Sandbox


def _edit_action(plan: dict[str, Any]) -> None:
    plan["changes"][-1]["action"] = "explode"


def _drop_kind(plan: dict[str, Any]) -> None:
    del plan["changes"][0]["kind"]


def _add_field(plan: dict[str, Any]) -> None:
    plan["changes"][0]["force"] = True


@pytest.mark.parametrize(("damage", "where"), [
    (_edit_action, "changes.19.action: Input should be 'create', 'update', 'replace', 'delete', "
                   "'adopt' or 'move'"),
    (_drop_kind, "changes.0.kind: Field required"),
    (_add_field, "changes.0.force: Extra inputs are not permitted"),
])
def test_a_damaged_plan_file_is_refused_and_the_genuine_one_applies(
        sandbox: Sandbox, damage: Any, where: str) -> None:
    assert sandbox.run("plan", "--out", "good.cbplan").code == 0
    plan = json.loads((sandbox.root / "good.cbplan").read_text())
    assert len(plan["changes"]) == 20
    damage(plan)
    (sandbox.root / "bad.cbplan").write_text(json.dumps(plan))
    tags_before = sandbox.api("GET", "/api/3/tags?limit=100").json()["tags"]

    refused = sandbox.run("apply", "bad.cbplan")
    assert refused.code == 1
    assert refused.out == ""
    assert refused.err.strip() == (
        f"Error: bad.cbplan is not a valid Callboard plan file ({where}): it was changed after "
        "'plan --out' wrote it; make a new plan")
    assert sandbox.api("GET", "/api/3/tags?limit=100").json()["tags"] == tags_before
    assert sandbox.run("state", "list").out == ""

    applied = sandbox.run("apply", "good.cbplan")
    assert applied.code == 0, applied.err
    assert "Apply complete: 20 changed." in applied.out
    assert sandbox.run("plan", "--detailed-exitcode").code == 0
