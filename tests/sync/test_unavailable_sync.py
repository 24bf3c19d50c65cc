"""A sync that cannot run (its tag or itself deleted out of band) among many (``sync run --due``,
``--all``): it is loaded as an ``UnavailableSync`` the others run past, its refused run logged
failed with the reason; an account not connected to Tessitura still stops every sync at once.

Over HTTP against the in-process emulators, as ``test_sync_emulator.py``; the CLI around these
is driven in ``tests/workflows/test_qa_sync_one_broken.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from engine import clock
from engine.errors import CallboardError
from engine.state.base import ResourceRecord
from engine.sync.definition import SyncDefinition, UnavailableSync, load_alone
from engine.sync.run_log import due_now
from engine.sync.run_report import FAILED, SyncRunReport
from engine.sync.schedule import Schedule
from tests.sync.emulated import TAG, EmulatedSync

pytestmark = pytest.mark.anyio

TAG_GONE = (f"its tag {TAG!r} no longer exists in Prospect2 (deleted out of band?), so its "
            "members no longer carry it and the run stops before any write: run 'callboard "
            "plan' and 'callboard apply' to create the tag again; the next run then tags every "
            "member again")


@pytest.fixture
async def org(tmp_path: Path) -> AsyncIterator[EmulatedSync]:
    emulated = EmulatedSync(tmp_path / "state.db")
    await emulated.start()
    try:
        yield emulated
    finally:
        await emulated.close()


def _record(org: EmulatedSync, **fields: Any) -> ResourceRecord:
    record = org.state.get("data_syncs.members")
    assert record is not None
    return ResourceRecord(record.address, record.kind, record.name, record.remote_id,
                          fields=fields, updated_at="2031-01-05T00:41:00+00:00")


async def test_a_sync_whose_tag_was_deleted_is_unavailable_with_the_refusal_as_its_reason(
        org: EmulatedSync) -> None:
    assert org.definition is not None and org.session is not None
    await org.prospect2("DELETE", f"/tags/{org.definition.tag_id}")
    await org.reconnect()  # the next 'callboard sync run --due'
    assert org.session is not None
    record = _record(org, schedule={"daily": "02:00"}, notify=["ops@example.org"])

    loaded = await load_alone(org.session, record, org.state)

    assert loaded == UnavailableSync(
        address="data_syncs.members", name="members", sync_id=record.remote_id,
        reason=TAG_GONE, schedule=Schedule.model_validate({"daily": "02:00"}),
        notify=("ops@example.org",), enabled=True, runner="callboard")
    assert not loaded.run_by_prospect2


async def test_a_sync_deleted_in_prospect2_is_unavailable_and_a_healthy_one_loads(
        org: EmulatedSync) -> None:
    assert org.session is not None
    record = _record(org)
    healthy = await load_alone(org.session, record, org.state)
    assert isinstance(healthy, SyncDefinition) and healthy == org.definition

    await org.prospect2("DELETE", f"/tessitura/dataSyncs/{record.remote_id}")
    await org.reconnect()
    assert org.session is not None
    gone = await load_alone(org.session, record, org.state)

    assert isinstance(gone, UnavailableSync)
    assert gone.reason == (f"Data Sync {record.remote_id} no longer exists in Prospect2 (run "
                           "'callboard plan' to see the drift)")
    # no fields in state: never due, enabled, run here, nobody to tell
    assert (gone.schedule, gone.enabled, gone.runner, gone.notify) == (
        None, True, "callboard", ())


async def test_an_account_not_connected_still_stops_the_command_before_any_sync(
        org: EmulatedSync) -> None:
    assert org.definition is not None
    await org.prospect2("DELETE", f"/tags/{org.definition.tag_id}")  # broken as well
    await org.control("account", {"tessituraConnected": False})
    await org.reconnect()
    assert org.session is not None
    with pytest.raises(CallboardError, match=r"^data_syncs\.members: this Prospect2 account is "
                                             r"not connected to Tessitura"):
        await load_alone(org.session, _record(org), org.state)


def test_what_state_recorded_stands_in_for_the_live_sync() -> None:
    record = ResourceRecord("data_syncs.board", "data_syncs", "board", "7", fields={
        "schedule": {"every": {"minutes": 60, "from": "06:00"}}, "enabled": False,
        "runner": "prospect2", "notify": ["a@example.org", "b@example.org"]})
    error = CallboardError("data_syncs.board: gone; and data_syncs.board: named again")

    broken = UnavailableSync.of(record, error)

    assert broken.reason == "gone; and data_syncs.board: named again"  # the prefix only
    assert broken.schedule == Schedule.model_validate({"every": {"minutes": 60,
                                                                 "from": "06:00"}})
    assert not broken.enabled and broken.run_by_prospect2
    assert broken.notify == ("a@example.org", "b@example.org")
    assert (broken.address, broken.name, broken.sync_id) == ("data_syncs.board", "board", "7")
    unknown = ResourceRecord("data_syncs.x", "data_syncs", "x", "8",
                             fields={"schedule": {"frequency": "yearly"}})
    assert UnavailableSync.of(unknown, CallboardError("other words")).schedule is None
    assert UnavailableSync.of(unknown, CallboardError("other words")).reason == "other words"


async def test_its_refused_run_is_logged_failed_and_it_is_due_again_only_at_its_next_time(
        org: EmulatedSync, monkeypatch: pytest.MonkeyPatch) -> None:
    assert org.session is not None and org.runner is not None and org.definition is not None
    await org.prospect2("DELETE", f"/tags/{org.definition.tag_id}")
    await org.reconnect()
    assert org.session is not None and org.runner is not None
    record = _record(org, schedule={"daily": "02:00"})
    broken = await load_alone(org.session, record, org.state)
    assert isinstance(broken, UnavailableSync)
    at_two = datetime(2031, 1, 5, 2, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: at_two)
    assert due_now(org.state, record, broken, UTC)
    calls = org.runner.source.calls, org.runner.target.calls
    org.runner.clock = lambda: "2031-01-05T02:00:00+00:00"

    report = await org.runner.refuse(broken)

    assert (report.status, report.message, report.finished_at) == (
        FAILED, TAG_GONE, "2031-01-05T02:00:00+00:00")
    assert report.headline() == f"data_syncs.members: failed: {TAG_GONE}"
    assert (org.runner.source.calls, org.runner.target.calls) == calls  # nothing asked
    [logged] = [SyncRunReport.from_log_entry(e) for e in org.state.sync_runs(None, "")]
    assert logged == report
    assert not due_now(org.state, record, broken, UTC)  # cron's next tick: not again
    tomorrow = datetime(2031, 1, 6, 2, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: tomorrow)
    assert due_now(org.state, record, broken, UTC)
