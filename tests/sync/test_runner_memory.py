"""Run logic over in-memory ports: convergence, the ledger, rejections, crash resumption."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.state.sqlite import SqliteState
from engine.sync.definition import SyncDefinition
from engine.sync.delta import load_bitmap
from engine.sync.filters import AddressFilter
from engine.sync.locking import sync_locked
from engine.sync.plan_sender import IMPORTS_IN_FLIGHT
from engine.sync.run_report import STOPPED, SUCCEEDED
from engine.sync.runner import DataSyncRunner

from .memory_ports import Crash, MemorySource, MemoryTarget, address_of

DEFINITION = SyncDefinition(
    address="data_syncs.members", name="members", sync_id="41", list_id=5, tag="Members",
    mode="add_and_remove", trigger_webhooks=False, trigger_automations=True,
    address_filter=AddressFilter(), schedule=None, notify=(), enabled=True)


def _run(runner: DataSyncRunner, force: bool = False):  # noqa: ANN202
    return asyncio.run(runner.run(DEFINITION, force=force))


def _expected(members: set[int]) -> set[str]:
    return {address_of(c) for c in members}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sets(st.integers(1, 700), max_size=600),
                          st.integers(1, 12)), min_size=1, max_size=4))
def test_crashes_between_batches_lose_and_double_nothing(
        tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[set[int], int]]) -> None:
    state = SqliteState(tmp_path_factory.mktemp("s") / "state.db")
    source, target = MemorySource(), MemoryTarget()
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0)
    for members, crash_after in steps:
        source.members_now = members
        target.crash_after = crash_after
        sent_before = len(target.imported)
        try:
            _run(runner, force=True)
        except Crash:
            assert state.sync_plan("41") is not None
            report = _run(runner, force=True)  # the next run finishes the frozen one
            assert report.resumed
        else:
            target.crash_after = None
        assert target.tagged.keys() == _expected(members)
        assert set(load_bitmap(state.sync_baseline("41").members)) == members
        assert state.sync_plan("41") is None
        sent = [a for batch in target.imported[sent_before:] for a in batch]
        resent = len(sent) - len(set(sent))
        assert resent <= 250 * IMPORTS_IN_FLIGHT  # at most the batches in flight, again
    state.close()


def test_a_shared_household_address_keeps_its_tag(tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}), MemoryTarget()
    from engine.sync.ports import ExportRow
    source.extra_rows[2] = [ExportRow(2, 99, address_of(1), 1, False, False, frozenset({7}),
                                      "Y")]
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0)
    assert _run(runner).status == SUCCEEDED
    source.members_now = {2, 3}
    report = _run(runner)
    assert report.status == SUCCEEDED and report.kept_shared == 1 and report.removed == 0
    assert address_of(1) in target.tagged
    source.members_now = {3}
    assert _run(runner).removed == 2
    assert target.tagged.keys() == {address_of(3)}


def test_rejected_contacts_are_recorded_and_retried(tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "state.db")
    source = MemorySource(members_now={1, 2})
    target = MemoryTarget(refuse={address_of(2): "Invalid email address"})
    runner = DataSyncRunner(source, target, state)
    first = _run(runner)
    assert first.rejected == {address_of(2): "Invalid email address"}
    assert state.sync_rejected("41") == [(address_of(2), 2, "Invalid email address")]
    target.refuse.clear()
    second = _run(runner)
    assert second.retried == 1 and not second.rejected
    assert target.tagged.keys() == _expected({1, 2}) and state.sync_rejected("41") == []


def test_safety_stops_before_any_write_unless_forced(tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now=set(range(1, 21))), MemoryTarget()
    runner = DataSyncRunner(source, target, state, max_remove_fraction=0.1)
    _run(runner)
    writes = target.writes
    source.members_now = set(range(1, 11))
    stopped = _run(runner)
    assert stopped.status == STOPPED and "10 of 20" in stopped.message
    assert target.writes == writes and len(load_bitmap(state.sync_baseline("41").members)) == 20
    source.members_now = set()
    assert "empty" in _run(runner).message
    assert _run(runner, force=True).status == SUCCEEDED and not target.tagged


def test_resync_reimports_changed_listed_constituents_only(tmp_path: Path) -> None:
    from engine.sync.ports import AuditChange
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}), MemoryTarget()
    runner = DataSyncRunner(source, target, state)
    _run(runner)
    later = source.clock
    source.changes = [AuditChange(1, "TA_AUDIT_MEMBERSHIP", "memb_level", later),
                      AuditChange(2, "TX_CONTACT_PERMISSION", "answer", later),
                      AuditChange(9, "T_CUSTOMER", "lname", later)]
    report = _run(runner)
    assert report.resynced == 1 and target.imported[-1] == [address_of(1)]
    assert _run(runner).resynced == 0  # the window moved on: a change re-syncs once
    source.tracking = False
    source.changes.append(AuditChange(3, "T_CONTRIBUTION", "cont_amt", source.clock))
    assert _run(runner).resynced == 0


def test_a_second_runner_gets_a_clear_error(tmp_path: Path) -> None:
    from engine.errors import StateError
    state = SqliteState(tmp_path / "state.db")
    with (sync_locked(state, "data_syncs.members", "me@host pid 1"),
          pytest.raises(StateError, match="already running"),
          sync_locked(state, "data_syncs.members", "other@host pid 2")):
        pass
    with sync_locked(state, "data_syncs.members", "other@host pid 2"):
        pass


def _synced_then_2_takes_on_1s_address(
        tmp_path: Path) -> tuple[MemorySource, MemoryTarget, DataSyncRunner]:
    """{1, 2, 3} synced; then constituent 2 holds 1's address too (an audited email change,
    which is never re-imported)."""
    from engine.sync.ports import AuditChange, ExportRow
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}, tracking=False), MemoryTarget()
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0)
    _run(runner)
    source.extra_rows[2] = [ExportRow(2, 99, address_of(1), 1, True, False, frozenset({7}),
                                      "Y")]
    source.changes = [AuditChange(2, "T_EADDRESS", "address", source.clock)]
    return source, target, runner


def test_an_address_a_listed_constituent_took_on_later_keeps_its_tag(tmp_path: Path) -> None:
    source, target, runner = _synced_then_2_takes_on_1s_address(tmp_path)
    quiet = _run(runner)
    assert quiet.added == quiet.resynced == 0 and len(target.imported) == 1
    source.members_now = {2, 3}
    left = _run(runner)
    assert left.removed == 0 and left.kept_shared == 1 and address_of(1) in target.tagged


def test_an_address_whose_first_owner_leaves_as_a_listed_one_takes_it_on_keeps_its_tag(
        tmp_path: Path) -> None:
    """In one run constituent 1 leaves and 2, still listed, now holds 1's address (an email
    change, audited): the address keeps the tag, and 2 is recorded as its owner."""
    source, target, runner = _synced_then_2_takes_on_1s_address(tmp_path)
    source.members_now = {2, 3}
    report = _run(runner)
    assert (report.removed, report.kept_shared) == (0, 1)
    assert address_of(1) in target.tagged
    source.members_now = {3}  # now the new owner leaves too: the address goes
    assert _run(runner).removed == 2
    assert target.tagged.keys() == {address_of(3)}


def test_imported_contacts_carry_their_first_and_last_names(tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={4, 5}), MemoryTarget()
    _run(DataSyncRunner(source, target, state))
    assert sorted((c.email, c.first_name, c.last_name) for c in target.contacts) == [
        (address_of(4), "F4", "L4"), (address_of(5), "F5", "L5")]


def test_a_run_exports_only_joiners_and_listed_constituents_whose_address_changed(
        tmp_path: Path) -> None:
    """Exports cost Tessitura calls at list scale: constituents who stayed and changed
    nothing are never exported again."""
    from engine.sync.ports import AuditChange
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}, tracking=False), MemoryTarget()
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0)
    _run(runner)
    source.changes = [AuditChange(2, "T_EADDRESS", "address", source.clock),
                      AuditChange(9, "T_EADDRESS", "address", source.clock)]
    source.members_now = {1, 2, 3, 4}
    before = len(source.exported)
    _run(runner)
    assert sorted(c for asked in source.exported[before:] for c in asked) == [2, 4]
