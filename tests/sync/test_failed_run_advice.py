"""A run that fails because a service kept failing (5xx, 429 beyond the retries) says what to
do in its one line: nothing is lost, run it again. Other failures carry their own advice and
get none added. The failure is the report's to say: logged at info, so no stderr warning
repeats it."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from engine.errors import ProviderError
from engine.state.sqlite import SqliteState
from engine.sync.run_report import FAILED
from engine.sync.runner import DataSyncRunner

from .memory_ports import MemorySource, MemoryTarget
from .test_runner_memory import DEFINITION

AGAIN = ("; nothing is lost: its next run finishes the work (or run 'callboard sync run "
         "members' once the service answers)")


class FailingSource(MemorySource):
    """Tessitura's list regenerate answers ``status`` however often it is asked."""

    status: int | None = None

    async def regenerate(self, list_id: int) -> None:
        raise ProviderError(f"Tessitura POST /Reporting/Lists/{list_id}/Generate failed with "
                            f"{self.status}: busy", status=self.status)


@pytest.mark.parametrize(("status", "advice"), [
    (500, AGAIN), (503, AGAIN), (429, AGAIN), (400, ""), (404, ""), (None, "")])
def test_a_run_failed_by_a_service_says_to_run_it_again(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, status: int | None,
        advice: str) -> None:
    state = SqliteState(tmp_path / "state.db")
    source, target = FailingSource(members_now={1, 2}), MemoryTarget()
    source.status = status
    with caplog.at_level(logging.INFO, logger="engine.sync.runner"):
        report = asyncio.run(DataSyncRunner(source, target, state).run(DEFINITION))
    state.close()
    why = f"Tessitura POST /Reporting/Lists/5/Generate failed with {status}: busy{advice}"
    assert report.status == FAILED
    assert report.headline() == f"data_syncs.members: failed: {why}"
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, f"sync: data_syncs.members failed: {why}")]
    assert not target.tagged
