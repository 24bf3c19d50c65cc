"""The reliability battery, CI's short version (``bench/soak.py`` runs the long one).

Each check prints its figure (``pytest -s`` shows them) and fails with every problem found.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability.bad_manifests import generated_bad_manifests
from tests.reliability.fault_checks import runs_under_faults
from tests.reliability.figures import Figure
from tests.reliability.kill_checks import killed_applies, killed_sync_runs
from tests.reliability.lock_checks import concurrent_runs
from tests.reliability.safety_checks import empty_list_refused, stale_plan_refused
from tests.reliability.secret_checks import secrets_stay_secret
from tests.reliability.served import Emulator

#: CI keeps each process-level run small: a subset of the example manifests.
APPLY_FILES = ("tags.yaml", "custom_fields.yaml", "tessitura.yaml")
SYNC_FILES = ("tags.yaml", "custom_fields.yaml", "data_syncs.yaml")


def _green(found: Figure) -> None:
    assert found.ok, found.line() + "\n" + "\n".join(found.problems)


def test_apply_and_sync_under_faults_lose_and_double_nothing() -> None:
    found = runs_under_faults(10)
    _green(found)
    assert found.runs == 10


@pytest.mark.timeout(240)
def test_killed_apply_finishes_on_rerun(quiet_emulator: Emulator, tmp_path: Path) -> None:
    _green(killed_applies(quiet_emulator, tmp_path, 5, files=APPLY_FILES))


@pytest.mark.timeout(240)
def test_killed_sync_run_finishes_on_rerun(quiet_emulator: Emulator, tmp_path: Path) -> None:
    _green(killed_sync_runs(quiet_emulator, tmp_path, 5, files=SYNC_FILES))


@pytest.mark.timeout(240)
def test_generated_bad_manifests_get_located_errors_and_change_nothing() -> None:
    found = generated_bad_manifests(500)
    _green(found)
    assert found.runs == 500


@pytest.mark.timeout(180)
def test_concurrent_runs_one_proceeds_other_names_holder(
        quiet_emulator: Emulator, tmp_path: Path,
        state_backend: tuple[str, Callable[[], str] | None]) -> None:
    backend, new_state = state_backend
    _green(concurrent_runs(quiet_emulator, tmp_path, 1, new_state, backend=backend))


def test_empty_list_after_failed_regenerate_untags_nobody() -> None:
    _green(empty_list_refused())


def test_stale_saved_plan_is_refused_naming_object_and_field() -> None:
    _green(stale_plan_refused())


@pytest.mark.timeout(180)
def test_secrets_appear_nowhere(quiet_emulator: Emulator, tmp_path: Path) -> None:
    _green(secrets_stay_secret(quiet_emulator, tmp_path))
