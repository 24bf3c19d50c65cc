"""Activation marks (seed 003's "runs at its first scheduled time"): which applied changes
start a sync's schedule, and what apply writes to the run log for them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from engine import clock
from engine.plan.model import Change
from engine.state import open_state
from engine.state.base import ResourceRecord, StateStore
from engine.sync.run_log import ENABLED, activation, mark_activations


def _change(action: str, before: dict[str, Any] | None = None,
            after: dict[str, Any] | None = None, kind: str = "data_syncs") -> Change:
    return Change(action, f"{kind}.members", kind, "members", "41",  # type: ignore[arg-type]
                  before=before, after=after)


@pytest.mark.parametrize(("change", "how"), [
    (_change("create", after={"enabled": True}), "created"),
    (_change("create", after={"tag": "Members"}), "created"),  # enabled by default
    (_change("replace", after={"enabled": True}), "replaced"),
    (_change("adopt", after={"tag": "Members"}), "adopted"),
    (_change("create", after={"enabled": False}), None),  # made switched off: no schedule
    (_change("adopt", after={"enabled": False}), None),
    (_change("update", before={"enabled": False}, after={"enabled": True}), "enabled"),
    (_change("update", before={"enabled": False}, after={"tag": "Members"}), "enabled"),
    (_change("update", before={"enabled": True}, after={"enabled": True}), None),
    (_change("update", before={"tag": "Old"}, after={"tag": "Members"}), None),  # was on
    (_change("update", before={"enabled": True}, after={"enabled": False}), None),
    (_change("delete", before={"enabled": False}), None),
    (_change("create", after={"enabled": True}, kind="tags"), None),
])
def test_a_sync_starts_its_schedule_when_created_adopted_replaced_or_switched_on(
        change: Change, how: str | None) -> None:
    assert activation(change) == how


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StateStore]:
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 1, 6, 0, 41, tzinfo=UTC))
    store = open_state(str(tmp_path / "state.db"))
    store.put(ResourceRecord("data_syncs.members", "data_syncs", "members", "41"))
    yield store
    store.close()


def test_apply_marks_a_switched_on_sync_once_done_and_passes_every_event_on(
        state: StateStore) -> None:
    heard: list[tuple[str, str, str]] = []
    on_event = mark_activations(state, lambda c, event, detail: heard.append(
        (c.address, event, detail)))
    switched_on = _change("update", before={"enabled": False}, after={"enabled": True})
    on_event(switched_on, "start", "updating")
    assert state.sync_runs("data_syncs.members", "") == []  # not before it is done
    on_event(switched_on, "done", "updated")
    assert heard == [("data_syncs.members", "start", "updating"),
                     ("data_syncs.members", "done", "updated")]
    [mark] = state.sync_runs("data_syncs.members", "")
    assert (mark.sync_id, mark.address, mark.status, mark.summary) == (
        "41", "data_syncs.members", ENABLED, {"message": "enabled by apply"})
    assert mark.started_at == mark.finished_at == "2026-01-06T00:41:00+00:00"
    assert re.fullmatch(r"2026-01-06T00:41:00\+00:00-enabled-[0-9a-f]{8}", mark.run_id)


def test_apply_without_a_listener_still_marks(state: StateStore) -> None:
    mark_activations(state, None)(_change("create", after={"enabled": True}), "done", "made")
    assert [m.summary for m in state.sync_runs("data_syncs.members", "")] == [
        {"message": "created by apply"}]
