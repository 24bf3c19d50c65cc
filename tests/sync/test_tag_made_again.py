"""A sync's tag deleted and made again (another id, carried by nobody): the baseline, the
frozen plan and the cached contactTag ids confirmed against the old one are set aside, so the
run tags every member again and says why; a baseline kept before tag ids is trusted."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from engine.render.sync_preview import preview_document, preview_text
from engine.state.sqlite import SqliteState
from engine.sync.definition import SyncDefinition
from engine.sync.run_report import SUCCEEDED
from engine.sync.runner import DataSyncRunner

from .memory_ports import Crash, MemorySource, MemoryTarget, address_of
from .test_runner_memory import DEFINITION

OLD = replace(DEFINITION, tag_id="1")
NEW = replace(DEFINITION, tag_id="2")
REASON = ("its tag is not the one the last run confirmed (tag id 1, made again since?): every "
          "member is tagged again")


def _run(runner: DataSyncRunner, definition: SyncDefinition):  # noqa: ANN202
    return asyncio.run(runner.run(definition))


def _synced(tmp_path: Path, members: set[int], definition: SyncDefinition = OLD
            ) -> tuple[SqliteState, MemorySource, MemoryTarget, DataSyncRunner]:
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now=members), MemoryTarget()
    runner = DataSyncRunner(source, target, state, max_remove_fraction=0.1)
    assert _run(runner, definition).status == SUCCEEDED
    return state, source, target, runner


def test_a_tag_made_again_tags_every_member_again_and_removes_nobody(tmp_path: Path) -> None:
    state, source, target, runner = _synced(tmp_path, set(range(1, 21)))
    assert state.sync_baseline("41").tag_id == "1"  # type: ignore[union-attr]
    target.tagged.clear()  # the old tag went with its contactTags
    source.members_now = set(range(5, 21))  # 4 of 20 left: the old baseline would stop

    report = _run(runner, NEW)

    assert report.status == SUCCEEDED, report.message
    assert (report.added, report.removed, report.message) == (16, 0, REASON)
    assert f"  {REASON}" in report.detail_lines()
    assert target.tagged.keys() == {address_of(c) for c in range(5, 21)}
    assert state.sync_baseline("41").tag_id == "2"  # type: ignore[union-attr]
    again = _run(runner, NEW)
    assert (again.added, again.message) == (0, "")
    state.close()


def test_the_same_tag_and_a_baseline_from_before_tag_ids_are_trusted(tmp_path: Path) -> None:
    state, _, target, runner = _synced(tmp_path, {1, 2, 3}, DEFINITION)
    assert state.sync_baseline("41").tag_id is None  # type: ignore[union-attr]
    first = _run(runner, OLD)  # after the upgrade: no full resync
    assert (first.added, first.message) == (0, "")
    assert state.sync_baseline("41").tag_id == "1"  # type: ignore[union-attr]
    same = _run(runner, OLD)
    assert (same.added, same.message) == (0, "") and len(target.imported) == 1
    state.close()


def test_the_preview_of_a_run_after_the_tag_was_made_again_says_why(tmp_path: Path) -> None:
    state, _, _, runner = _synced(tmp_path, {1, 2, 3})
    preview = asyncio.run(runner.preview(NEW))
    assert (preview.tag_changed, preview.baseline_size, len(preview.plan.added)) == (
        REASON, 0, 3)
    assert f"  {REASON}\n" in preview_text(preview).plain
    assert preview_document(preview)["tag_changed"] == REASON  # --format json says it too
    same = asyncio.run(runner.preview(OLD))
    assert (same.tag_changed, same.baseline_size, len(same.plan.added)) == (None, 3, 0)
    assert preview_document(same)["tag_changed"] is None
    state.close()


def test_a_plan_frozen_for_the_old_tag_is_set_aside(tmp_path: Path) -> None:
    state, source, target, runner = _synced(tmp_path, {1})
    source.members_now, target.crash_after = set(range(1, 600)), 1
    with pytest.raises(Crash):
        _run(runner, OLD)
    assert state.sync_plan("41") is not None
    target.tagged.clear()
    sent = len(target.imported)

    report = _run(runner, NEW)

    assert not report.resumed and report.message == REASON
    resent = [a for batch in target.imported[sent:] for a in batch]
    assert sorted(resent) == sorted(address_of(c) for c in range(1, 600))  # each once
    state.close()


def test_a_plan_frozen_before_tag_ids_is_finished(tmp_path: Path) -> None:
    state, source, target, runner = _synced(tmp_path, {1}, DEFINITION)
    source.members_now, target.crash_after = set(range(1, 600)), 1
    with pytest.raises(Crash):
        _run(runner, DEFINITION)
    report = _run(runner, OLD)
    assert report.resumed and report.status == SUCCEEDED
    assert target.tagged.keys() == {address_of(c) for c in range(1, 600)}
    state.close()
