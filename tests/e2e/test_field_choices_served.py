"""Custom field options and lists against ``callboard emulator serve``, over TCP, with the CLI
as a subprocess: the journey of tests/workflows/field_choices_journey.py."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.conftest import Workspace
from tests.workflows.field_choices_journey import Journey, generate_round_trip, plan_apply_drift


def journey_in(workspace: Workspace) -> Journey:
    def run(*args: str) -> tuple[int, str, str]:
        done = workspace.run(*args)
        return done.returncode, done.stdout, done.stderr

    def api(method: str, path: str, body: Any) -> httpx.Response:
        return workspace.served.prospect2(method, path, json=body)

    return Journey(run, api, workspace.root)


def test_options_and_lists_through_plan_apply_drift_and_generate(workspace: Workspace) -> None:
    journey = journey_in(workspace)
    plan_apply_drift(journey, relations=False)  # the sandbox's run covers relations too
    generate_round_trip(journey)
