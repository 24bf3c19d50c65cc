"""Custom field options and lists in the sandbox, as a user works with them (the journey is
``field_choices_journey``; the same one runs against a served emulator in tests/e2e)."""

from __future__ import annotations

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
