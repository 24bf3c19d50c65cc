"""The one place a command's work runs: state opened, locked and closed, one session, closed
whatever happens; and global options that may come before or after the command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyroaring import BitMap

from engine.artifacts import ARTIFACTS, ChangeDoc, PlanDoc
from engine.cli.main import main
from engine.cli.runtime import Job, Runtime
from engine.errors import PlanRefused, StalePlan
from engine.plan.model import ACTIONS, Plan
from engine.render.errors import callboard_error_json
from engine.session import Session
from engine.state import open_state
from engine.sync.run_plan import SyncRunPlan


class _CountingRuntime(Runtime):
    """The real runtime, counting the sessions it hands out and how many were closed."""

    opened: list[Session]

    def session(self) -> Session:
        session = super().session()
        self.opened.append(session)
        real_close = session.aclose

        async def aclose() -> None:
            self.closed += 1
            await real_close()

        session.aclose = aclose  # type: ignore[method-assign]
        return session


def _runtime(tmp_path: Path) -> _CountingRuntime:
    rt = _CountingRuntime(manifests_dir=tmp_path / "manifests", sandbox=True,
                          sandbox_dir=tmp_path / "sandbox",
                          state_url=str(tmp_path / "state.db"))
    rt.opened, rt.closed = [], 0  # type: ignore[attr-defined]
    return rt


def test_the_lock_is_held_during_the_work_and_everything_closed_after_a_failure(
        tmp_path: Path) -> None:
    rt = _runtime(tmp_path)
    seen: dict[str, object] = {}

    async def work(job: Job) -> None:
        watcher = open_state(str(tmp_path / "state.db"))
        try:
            seen["lock"] = watcher.lock_info()
        finally:
            watcher.close()
        job.session.registry.names()
        raise PlanRefused("stop here")

    with pytest.raises(PlanRefused):
        rt.run(work, lock="apply")
    assert seen["lock"] is not None and seen["lock"].command == "apply"  # type: ignore[union-attr]
    assert len(rt.opened) == 1 and rt.closed == 1  # type: ignore[attr-defined]
    after = open_state(str(tmp_path / "state.db"))
    try:
        assert after.lock_info() is None
    finally:
        after.close()


def test_work_that_never_talks_to_the_services_opens_no_session(tmp_path: Path) -> None:
    rt = _runtime(tmp_path)

    async def work(job: Job) -> int:
        return len(job.state.resources())

    assert rt.run(work) == 0
    assert rt.opened == []  # type: ignore[attr-defined]
    assert not (tmp_path / "sandbox").exists()


def test_work_without_state_says_so_if_it_reaches_for_it(tmp_path: Path) -> None:
    rt = _runtime(tmp_path)

    async def work(job: Job) -> None:
        job.state.resources()

    with pytest.raises(RuntimeError, match="without state"):
        rt.run(work, state=False)
    assert not (tmp_path / "state.db").exists()


def test_environment_manifests_apply_unless_given_on_the_command_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CALLBOARD_MANIFESTS", "from-env")
    assert main(["--no-color", "validate"]) == 1
    assert "manifest directory from-env does not exist" in capsys.readouterr().err
    assert main(["validate", "-m", "from-cli", "--no-color"]) == 1
    assert "manifest directory from-cli does not exist" in capsys.readouterr().err


def test_a_refused_plan_as_json_keeps_exit_code_3() -> None:
    document = json.loads(callboard_error_json(StalePlan("made from other manifests")))
    assert document["error"] == {"kind": "stale_plan", "message": "made from other manifests",
                                 "exit_code": 3, "problems": []}


def test_the_plan_schema_knows_every_action_and_plan_field() -> None:
    assert set(ChangeDoc.model_fields["action"].annotation.__args__) == set(ACTIONS)
    plan_fields = set(Plan.__dataclass_fields__) | {"format_version", "summary", "safety"}
    assert set(PlanDoc.model_fields) == plan_fields


def test_a_run_plan_frozen_by_another_version_is_refused_with_what_to_do() -> None:
    plan = SyncRunPlan(run_id="r1", sync_id="7", started_at="2026-01-01T00:00:00+00:00",
                       audit_until=None, current=BitMap([1, 2]), added=BitMap([2]),
                       removed=BitMap(), resynced=BitMap(), retried=BitMap())
    body = json.loads(plan.to_bytes())
    assert body["format_version"] == ARTIFACTS["sync-run-plan"].version
    assert SyncRunPlan.from_bytes(plan.to_bytes()) == plan
    for other in ({**body, "format_version": 99}, {"format": 1, "import_batches": []}):
        with pytest.raises(PlanRefused, match="another version of Callboard"):
            SyncRunPlan.from_bytes(json.dumps(other).encode())
