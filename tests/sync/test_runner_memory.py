"""Run logic over in-memory ports: convergence, the ledger, rejections, crash resumption."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.render.sync_preview import preview_text
from engine.state.sqlite import SqliteState
from engine.sync.contact_data import CarriedField
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


def test_a_preview_writes_nothing_and_says_when_an_interrupted_run_comes_first(
        tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "state.db")
    level = CarriedField("7", "LEVEL", "Membership Level", "text")
    definition = replace(DEFINITION, resync="values", contact_fields=(level,))
    source = MemorySource(members_now=set(range(1, 11)),
                          values={c: {"Membership Level": "Friend"} for c in range(1, 13)})
    target = MemoryTarget()
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0)
    asyncio.run(runner.run(definition))
    source.members_now = set(range(1, 13))
    for constituent in (1, 2, 3):
        source.values[constituent] = {"Membership Level": "Patron"}
    before = state.dump_rows()

    preview = asyncio.run(runner.preview(definition))

    assert state.dump_rows() == before  # not even the digests a values re-sync stages
    assert (preview.baseline_size, preview.unfinished_run) == (10, False)
    assert [i.address for i in preview.plan.imports("resync")] == [
        address_of(c) for c in (1, 2, 3)]
    target.crash_after = target.writes + 1
    with pytest.raises(Crash):
        asyncio.run(runner.run(definition))
    after_crash = asyncio.run(runner.preview(definition))
    assert after_crash.unfinished_run
    assert ("  an interrupted run is unfinished: the next run finishes it first\n"
            in preview_text(after_crash).plain)
    state.close()


def _removal_calls(tmp_path: Path, members: int, leaving: list[int], batch: int,
                   by_hand: int = 0) -> list[int]:
    """Prospect2 calls of each run after the first, as ``leaving[i]`` more members leave;
    ``by_hand`` more contacts carry the tag, given in Prospect2's screens."""
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now=set(range(1, members + 1))), MemoryTarget()
    target.tagged.update({f"hand{n}@example.org": f"h{n}" for n in range(by_hand)})
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0,
                            removal_batch=batch)
    _run(runner)
    calls = []
    for count in leaving:
        source.members_now = set(sorted(source.members_now)[count:])
        report = _run(runner)
        assert report.removed == count and report.status == SUCCEEDED
        calls.append(report.prospect2_calls)
    state.close()
    return calls


@pytest.mark.parametrize(("members", "leaving", "batch", "calls"), [
    (10, 4, 50, 5),        # no association known yet: one page of the tag, then 4 removals
    (150, 1, 50, 2),       # one: a look-up and a removal beat reading the tag's 2 pages
    (150, 3, 50, 5),       # three: 2 pages and 3 removals (look-ups would make it 6)
    (150, 6, 2, 8),        # counted over all the run's removal parts, and the tag read once
    (3_500, 40, 1, 76),    # over more parts than one read of the frozen plan returns
    (5_200, 52, 50, 104),  # 52 look-ups and removals (53 pages and 52 removals: 105)
])
def test_removals_take_the_fewest_prospect2_calls(tmp_path: Path, members: int, leaving: int,
                                                  batch: int, calls: int) -> None:
    assert _removal_calls(tmp_path, members, [leaving], batch) == [calls]


def test_contacts_tagged_by_hand_do_not_make_removals_read_the_whole_tag(
        tmp_path: Path) -> None:
    # 2 look-ups and removals; the tag's pages are 3 now (250 contacts), so 5 that way
    assert _removal_calls(tmp_path, 150, [2], 50, by_hand=100) == [4]


def test_associations_read_once_serve_later_runs(tmp_path: Path) -> None:
    assert _removal_calls(tmp_path, 10, [4, 1, 2], 50) == [5, 1, 2]


def test_members_who_left_and_came_back_are_looked_up_afresh(tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now=set(range(1, 11))), MemoryTarget()
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0)
    calls = []
    for members in (range(1, 11), range(5, 11), range(1, 11), range(5, 11)):
        source.members_now = set(members)
        calls.append(_run(runner).prospect2_calls)
    # the tag's page and 4 removals; an import; again the page (their old associations
    # went with them) and 4 removals
    assert calls[1:] == [5, 2, 5]
    assert target.tagged.keys() == _expected(set(range(5, 11)))
    state.close()


def test_a_preview_shows_every_part_of_a_long_plan(tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now=set(range(1, 611))), MemoryTarget()
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0, removal_batch=1)
    _run(runner)
    source.members_now = {1}
    preview = asyncio.run(runner.preview(DEFINITION))  # 609 removal parts, read 500 at a time
    assert [r.address for r in preview.plan.removals()] == sorted(
        address_of(c) for c in range(2, 611))
    state.close()


def test_an_add_only_run_asks_tessitura_nothing_about_changed_email_addresses(
        tmp_path: Path) -> None:
    """Movers matter only to removals: an add_only sync never removes a tag."""
    from engine.sync.ports import AuditChange
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}), MemoryTarget()
    runner = DataSyncRunner(source, target, state)
    add_only = replace(DEFINITION, mode="add_only")
    asyncio.run(runner.run(add_only))
    source.changes = [AuditChange(2, "T_EADDRESS", "address", source.clock)]
    exports = len(source.exported)
    report = asyncio.run(runner.run(add_only))
    assert report.status == SUCCEEDED and source.exported[exports:] == []
    state.close()


def test_an_add_only_sync_never_removes_a_tag(tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}), MemoryTarget()
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0)
    add_only = replace(DEFINITION, mode="add_only")
    asyncio.run(runner.run(add_only))
    source.members_now = {1}
    report = asyncio.run(runner.run(add_only))
    assert (report.status, report.removed) == (SUCCEEDED, 0)
    assert target.tagged.keys() == _expected({1, 2, 3})
    state.close()


def test_a_sync_that_reads_no_audit_trail_costs_no_audit_call(tmp_path: Path) -> None:
    """add_only with ``resync: off``: neither re-syncs nor removals need the audit trail."""
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}), MemoryTarget()
    runner = DataSyncRunner(source, target, state)
    quiet = replace(DEFINITION, mode="add_only", resync="off")
    asyncio.run(runner.run(quiet))
    # the list regenerated and read: no audit trail
    assert asyncio.run(runner.run(quiet)).tessitura_calls == 2
    state.close()


def test_contact_data_from_a_list_without_an_output_set_fails_the_run_saying_why(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}, output_set=None), MemoryTarget()
    runner = DataSyncRunner(source, target, state)
    carried = replace(DEFINITION, contact_fields=(CarriedField("7", "LEVEL", "Level", "text"),))
    with caplog.at_level("INFO", logger="engine.sync.runner"):
        report = asyncio.run(runner.run(carried))
    why = "data_syncs.members: list 5 has no output set and the sync's contact_data names none"
    assert report.headline() == f"data_syncs.members: failed: {why}"
    assert caplog.messages == [f"sync: data_syncs.members failed: {why}"]
    assert not target.tagged
    state.close()


def _plan_rows(state: SqliteState) -> dict[str, list[object]]:
    rows = state.dump_rows()
    return {t: rows.get(t, []) for t in ("sync_plan", "sync_plan_part", "sync_plan_address",
                                          "sync_plan_digest")}


def test_what_an_unfrozen_run_left_is_cleared_by_the_next(tmp_path: Path) -> None:
    """A run killed while deciding, or stopped by a safety check, leaves no plan behind."""
    state = SqliteState(tmp_path / "state.db")
    source = MemorySource(members_now=set(range(1, 21)),
                          values={c: {"Membership Level": "Friend"} for c in range(1, 21)})
    target = MemoryTarget()
    level = CarriedField("7", "LEVEL", "Membership Level", "text")
    values = replace(DEFINITION, resync="values", contact_fields=(level,))
    runner = DataSyncRunner(source, target, state, max_remove_fraction=0.1)
    state.extend_sync_plan("41", "killed-while-deciding", [], (), [(1, 123)])
    assert _run_values(runner, values).status == SUCCEEDED
    assert _plan_rows(state) == dict.fromkeys(_plan_rows(state), [])
    source.members_now = set(range(1, 11))  # half the list leaves: stopped before any write
    for constituent in range(1, 11):
        source.values[constituent] = {"Membership Level": "Patron"}  # staged, then dropped
    assert _run_values(runner, values).status == STOPPED
    assert _plan_rows(state) == dict.fromkeys(_plan_rows(state), [])
    state.close()


def _run_values(runner: DataSyncRunner, definition: SyncDefinition):  # noqa: ANN202
    return asyncio.run(runner.run(definition))


def test_a_run_that_finishes_an_interrupted_one_names_it_and_counts_its_work(
        tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now=set(range(1, 6))), MemoryTarget()
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0, import_batch=2,
                            clock=lambda: "2026-01-05T02:00:00+00:00")
    _run(runner)
    source.members_now = set(range(3, 9))  # 2 leave, 3 join
    target.crash_after = target.writes + 1
    with pytest.raises(Crash):
        _run(runner)
    frozen = state.sync_plan("41")
    assert frozen is not None
    finishing = _run(runner)
    assert (finishing.resumed, finishing.completes, finishing.constituents_added,
            finishing.constituents_removed, finishing.finished_at) == (
        True, frozen[0], 3, 2, "2026-01-05T02:00:00+00:00")
    assert _run(runner).completes == ""
    state.close()


def test_an_empty_audit_window_is_not_read(tmp_path: Path) -> None:
    """Tessitura's clock set back to where the last run's window ended: nothing to read."""
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}), MemoryTarget()
    runner = DataSyncRunner(source, target, state)
    _run(runner)
    baseline = state.sync_baseline("41")
    assert baseline is not None and baseline.audit_until is not None
    source.clock = datetime.fromisoformat(baseline.audit_until) - timedelta(seconds=1)
    empty_window = _run(runner).tessitura_calls  # its clock reads the window's end again
    source.clock += timedelta(minutes=1)
    assert _run(runner).tessitura_calls == empty_window + 1  # a minute to read
    state.close()

