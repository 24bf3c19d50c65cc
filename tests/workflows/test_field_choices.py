"""Custom field options and lists in the sandbox, as a user works with them (the journey is
``field_choices_journey``; the same one runs against a served emulator in tests/e2e)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.cli.conftest import Sandbox
from tests.workflows.field_choices_journey import Journey, generate_round_trip, plan_apply_drift


def journey_in(sandbox: Sandbox) -> Journey:
    def run(*args: str) -> tuple[int, str, str]:
        result = sandbox.run(*args)
        return result.code, result.out, result.err

    def api(method: str, path: str, body: Any) -> httpx.Response:
        return sandbox.api(method, f"/api/3{path}", body)

    return Journey(run, api, sandbox.root)


def test_options_and_lists_plan_apply_and_drift_in_the_sandbox(sandbox: Sandbox) -> None:
    plan_apply_drift(journey_in(sandbox))


def test_generate_writes_options_and_lists_that_plan_no_change(sandbox: Sandbox) -> None:
    journey = journey_in(sandbox)
    journey.ok("apply", "--auto-approve")
    generate_round_trip(journey)


def test_import_records_a_fields_options_and_lists(sandbox: Sandbox) -> None:
    made = sandbox.api("POST", "/api/3/fields", {"field": {"title": "Interests",
                                                          "type": "checkbox"}})
    field = made.json()["field"]["id"]
    sandbox.api("POST", "/api/3/fieldOption/bulk", {"fieldOptions": [
        {"field": field, "value": "Opera", "orderid": 1},
        {"field": field, "value": "Dance", "orderid": 2}]})
    sandbox.api("POST", "/api/3/fieldRels", {"fieldRel": {"field": field, "relid": 1}})
    (sandbox.manifests / "interests.yaml").write_text(
        "custom_fields:\n  interests:\n    title: Interests\n    type: checkbox\n"
        "    options: [Opera, Dance, Jazz]\n    lists: [Lakeside Newsletter]\n")
    imported = sandbox.run("import", "custom_fields.interests", field)
    assert imported.code == 0, imported.err
    recorded = json.loads(sandbox.run("state", "show", "custom_fields.interests").out)
    assert (recorded["fields"]["options"], recorded["fields"]["lists"]) == (
        ["Opera", "Dance"], ["Lakeside Newsletter"])
    plan = sandbox.run("plan", "--target", "custom_fields.interests")
    assert ('~     options = ["Opera", "Dance"] -> ["Opera", "Dance", "Jazz"]  # adds "Jazz"'
            in plan.out), plan.out
    assert "lists" not in plan.out.split("options =")[1]
