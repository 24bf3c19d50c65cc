"""No command calls the state store on the event loop: psycopg's calls block, and a round trip
there would stall every HTTP request in flight. Each store call of a real run is checked."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from engine.state import StateStore
from engine.state import open_state as real_open_state
from tests.cli.conftest import Sandbox


class OffTheLoop:
    """A store that fails any call made while an event loop runs in the calling thread."""

    def __init__(self, store: StateStore, calls: list[str]) -> None:
        self._store, self._calls = store, calls

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                self._calls.append(name)
                return attr(*args, **kwargs)
            raise AssertionError(f"state.{name}() was called on the event loop")
        return call


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_commands_call_the_store_off_the_event_loop(
        sandbox: Sandbox, backend: str, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    team = () if backend == "sqlite" else ("--state", request.getfixturevalue("pg_url"))
    calls: list[str] = []

    def opener(url: str, **options: Any) -> OffTheLoop:
        return OffTheLoop(real_open_state(url, **options), calls)

    monkeypatch.setattr("engine.cli.runtime.open_state", opener)
    for command in (["apply", "--auto-approve"], ["plan"], ["drift"],
                    ["sync", "run", "members"], ["sync", "preview", "members"],
                    ["sync", "log"], ["writeback", "run"]):
        result = sandbox.run(*team, *command)
        assert result.code in (0, 2), (command, result.out, result.err)
    for seen in ("begin_apply", "put", "mark_done", "finish_apply", "resources", "header",
                 "freeze_sync_plan", "record_sync_batch", "finish_sync_plan", "log_sync_run",
                 "writeback_statuses", "acquire_sync_lock", "live_lock", "sync_digests",
                 "record_sync_digests", "sync_runs"):
        assert seen in calls, seen  # the checks did see the store at work
