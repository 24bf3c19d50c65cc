"""The parts of a sync run's decision: filters, re-sync exceptions, the frozen plan as the
export streams it in (chunk by chunk, into a real state), safety."""

from __future__ import annotations

import asyncio
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyroaring import BitMap

from engine.errors import PlanRefused
from engine.state.base import SyncBatchRecord
from engine.state.sqlite import SqliteState
from engine.sync.delta import compute_delta
from engine.sync.filters import AddressFilter, taggable_addresses
from engine.sync.plan_builder import PlanBuilder
from engine.sync.planned_run import PlannedRun
from engine.sync.ports import AuditChange, ExportRow
from engine.sync.resync import resync_candidates
from engine.sync.run_plan import SyncRunPlan, safety_problem

ids = st.sets(st.integers(1, 60), max_size=40)
WHEN = datetime(2026, 3, 1, tzinfo=UTC)


def _row(constituent: int, address: str, **overrides: object) -> ExportRow:
    values: dict[str, object] = dict(
        constituent_id=constituent, eaddress_id=constituent, address=address, type_id=1,
        primary=True, inactive=False, purpose_ids=frozenset({7}), permission="Y")
    values.update(overrides)
    return ExportRow(**values)  # type: ignore[arg-type]


def test_filters_follow_seed_003() -> None:
    newsletter_primary = AddressFilter(frozenset({7}), frozenset({1}), primary_only=True)
    assert newsletter_primary.passes(_row(1, "a@x.org"))
    assert not newsletter_primary.passes(_row(1, "a@x.org", inactive=True))
    assert not newsletter_primary.passes(_row(1, "a@x.org", primary=False))
    assert not newsletter_primary.passes(_row(1, "a@x.org", type_id=2))
    assert not newsletter_primary.passes(_row(1, "a@x.org", purpose_ids=frozenset({8})))
    assert not newsletter_primary.passes(_row(1, "a@x.org", permission="N"))
    assert not newsletter_primary.passes(_row(1, "a@x.org", permission=None))
    ignoring = AddressFilter(ignore_contact_permissions=True)
    assert ignoring.passes(_row(1, "a@x.org", permission="N"))
    assert not ignoring.passes(_row(1, "a@x.org", permission="N", inactive=True))


def test_a_shared_address_is_imported_once_for_both_owners() -> None:
    found = taggable_addresses([_row(2, "Home@X.org "), _row(1, "home@x.org")],
                               AddressFilter())
    assert list(found) == ["home@x.org"]
    assert found["home@x.org"].constituents == {1, 2}


def test_resync_drops_the_seed_exceptions() -> None:
    changes = [AuditChange(c, table, "x", WHEN) for c, table in [
        (1, "TA_AUDIT_MEMBERSHIP"), (2, "T_EADDRESS"), (3, "TX_CONTACT_POINT_PURPOSE"),
        (4, "TX_CUST_RANK"), (5, "TX_CONTACT_PERMISSION"), (0, "T_CUSTOMER"),
        (6, "T_CONTRIBUTION"), (99, "T_CUSTOMER")]]
    assert list(resync_candidates(changes, BitMap(range(0, 10)))) == [1, 6]


class HouseholdSource:
    """A list source whose constituents share household addresses (``homes``), exported in
    chunks by the plan builder; counts the export calls."""

    def __init__(self, homes: dict[int, str], names: dict[int, str] | None = None) -> None:
        self.homes, self.names, self.exports = homes, names or {}, 0

    async def export(self, constituent_ids: list[int], output_set_id: int | None = None,
                     columns: tuple[str, ...] = ()) -> list[ExportRow]:
        self.exports += 1
        return [_row(c, self.homes[c], first_name=self.names.get(c, f"F{c}"))
                for c in constituent_ids if c in self.homes]


def _planned(plan: SyncRunPlan, source: HouseholdSource,
             ledger: dict[str, set[int]] | None = None) -> PlannedRun:
    """``plan`` frozen into a fresh state holding ``ledger``, part by part, then read back."""
    with tempfile.TemporaryDirectory() as folder:
        state = SqliteState(Path(folder) / "state.db")
        state.record_sync_batch(plan.sync_id, "earlier", SyncBatchRecord(0, tagged=[
            (a, c) for a, owners in (ledger or {}).items() for c in owners]))
        state.freeze_sync_plan(plan.sync_id, plan.run_id, plan.to_bytes())
        asyncio.run(PlanBuilder(source, state, state, plan).build())  # type: ignore[arg-type]
        planned = PlannedRun.read(state, SyncRunPlan.from_bytes(state.sync_plan("1")[1]))
        state.close()
    return planned


def _header(current: BitMap, baseline: BitMap, mode: str = "add_and_remove",
            **overrides: object) -> SyncRunPlan:
    delta = compute_delta(baseline, current)
    values: dict[str, object] = dict(
        run_id="r", sync_id="1", started_at="t", audit_until=None, current=current,
        added=delta.added, removed=delta.removed, resynced=BitMap(), retried=BitMap(),
        mode=mode)
    values.update(overrides)
    return SyncRunPlan(**values)  # type: ignore[arg-type]


@st.composite
def households(draw: st.DrawFn) -> tuple[SyncRunPlan, dict[int, str], dict[str, set[int]]]:
    """A baseline and a list drawn from 60 constituents over 30 household addresses, the
    baseline's addresses in the ledger, exported a few constituents a chunk."""
    baseline, current = BitMap(draw(ids)), BitMap(draw(ids))
    homes = {c: f"h{draw(st.integers(0, 30))}@x.org" for c in range(1, 61)}
    ledger: dict[str, set[int]] = {}
    for constituent in baseline:
        ledger.setdefault(homes[constituent], set()).add(constituent)
    plan = _header(current, baseline, draw(st.sampled_from(["add_only", "add_and_remove"])),
                   resynced=BitMap(draw(ids)) & baseline & current,
                   export_batch=draw(st.integers(1, 12)), import_batch=draw(st.integers(1, 9)),
                   removal_batch=draw(st.integers(1, 5)))
    return plan, homes, ledger


@settings(max_examples=120, deadline=None)
@given(households())
def test_a_streamed_plan_imports_each_address_once_and_never_untags_a_held_one(
        drawn: tuple[SyncRunPlan, dict[int, str], dict[str, set[int]]]) -> None:
    plan, homes, ledger = drawn
    planned = _planned(plan, HouseholdSource(homes), ledger)
    imported = [i.address for i in planned.imports()]
    assert len(imported) == len(set(imported))  # a household shared across chunks: once
    exported = plan.added | plan.resynced
    assert set(imported) == {homes[c] for c in exported}
    for item in planned.imports():  # named by its lowest exported owner
        assert item.first_name == f"F{min(c for c in exported if homes[c] == item.address)}"
    sizes = [len(b) for b in planned.batches]
    assert all(size == plan.import_batch for size in sizes[:-1])  # full across chunks
    assert planned.added == plan.added  # every joiner has an address here
    held = {homes[c] for c in plan.current}
    for removal in planned.removals():
        assert removal.address not in held and removal.address not in imported
    if plan.mode == "add_only":
        assert not planned.removals()
    else:  # every leaver's address no listed constituent holds goes
        left = {homes[c] for c in plan.removed}
        assert {r.address for r in planned.removals()} == left - held - set(imported)


def test_a_large_plan_batches_imports_by_250_across_export_chunks() -> None:
    current = BitMap(range(1, 601))
    plan = _header(current, BitMap(), "add_only")
    source = HouseholdSource({c: f"c{c}@x.org" for c in current})
    planned = _planned(plan, source)
    assert [len(b) for b in planned.batches] == [250, 250, 100]
    assert source.exports == 1
    chunked = _planned(_header(current, BitMap(), "add_only", export_batch=70), source)
    assert [len(b) for b in chunked.batches] == [250, 250, 100] and source.exports == 10


def test_a_joiner_without_an_address_waits_outside_the_baseline() -> None:
    plan = _header(BitMap({1, 2, 3}), BitMap(), "add_only")
    planned = _planned(plan, HouseholdSource({1: "a@x.org", 3: "c@x.org"}))
    assert list(planned.added) == [1, 3] and list(planned.waiting) == [2]


def test_a_frozen_plan_thaws_to_the_same_decision() -> None:
    plan = _header(BitMap({2, 3}), BitMap({1, 2}), audit_until="2026-03-01T00:00:00+00:00",
                   new_owners={"home@x.org": [2]},
                   address_filter=AddressFilter(frozenset({7}), primary_only=True))
    assert SyncRunPlan.from_bytes(plan.to_bytes()) == plan


def test_a_plan_frozen_by_another_version_is_refused_not_guessed() -> None:
    frozen = json.loads(_header(BitMap({2, 3}), BitMap({1, 2})).to_bytes())
    frozen["format_version"] += 1
    with pytest.raises(PlanRefused) as refused:
        SyncRunPlan.from_bytes(json.dumps(frozen).encode())
    assert str(refused.value) == ("the unfinished sync run was frozen by another version of "
                                  "Callboard: finish it with that version")


def test_safety_stops_an_emptied_list_and_mass_removals() -> None:
    baseline = BitMap(range(100))
    assert safety_problem("add_only", baseline, BitMap(), 0.1) == (
        "the list is empty but 100 constituents were synced before; a failed regenerate must "
        "not untag everyone (use --force if the list really is empty)")
    assert "11 of 100" in (safety_problem("add_and_remove", baseline, BitMap(range(11, 100)),
                                          0.1) or "")
    assert safety_problem("add_and_remove", baseline, BitMap(range(10, 100)), 0.1) is None
    assert safety_problem("add_only", baseline, BitMap(range(50, 100)), 0.1) is None
    assert safety_problem("add_and_remove", BitMap(), BitMap(), 0.1) is None


def test_the_delta_keeps_only_constituents_in_both_the_baseline_and_the_list() -> None:
    delta = compute_delta(BitMap({1, 2, 3}), BitMap({2, 3, 4}))
    assert (list(delta.added), list(delta.removed), list(delta.kept)) == ([4], [1], [2, 3])


def test_a_new_owner_keeps_an_address_its_old_owner_leaves_in_the_same_run() -> None:
    plan = _header(BitMap({2}), BitMap({1, 2}), new_owners={"home@x.org": [2]})
    planned = _planned(plan, HouseholdSource({}), {"home@x.org": {1}, "one@x.org": {1}})
    assert [r.address for r in planned.removals()] == ["one@x.org"]
    assert planned.kept_shared == 1


def test_leavers_untag_what_no_listed_owner_holds_and_count_each_kept_address(
        caplog: pytest.LogCaptureFixture) -> None:
    """1 leaves: two of its addresses stay (2 and 3 hold them), one goes; an address a
    listed constituent took on (new owner 3 of 4's) has no leaver and is left alone. The
    frozen plan's counts are a line of ``sync run -v``."""
    plan = _header(BitMap({2, 3, 4}), BitMap({1, 2, 3, 4}),
                   new_owners={"a-moved@x.org": [3]})
    ledger = {"a-moved@x.org": {4}, "one@x.org": {1, 2}, "two@x.org": {1, 3},
              "z-gone@x.org": {1}}
    with caplog.at_level("INFO", logger="engine.sync.plan_builder"):
        planned = _planned(plan, HouseholdSource({}), ledger)
    assert caplog.messages == ["sync: 1 plan r frozen: 1 removals, 2 kept shared"]
    assert [r.address for r in planned.removals()] == ["z-gone@x.org"]
    assert planned.kept_shared == 2


def test_a_plan_killed_while_freezing_its_end_decides_the_end_again_once(
        tmp_path: Path) -> None:
    """The removal and purpose parts were frozen but not the ``end`` (the run died between
    the end's writes, 50 parts each): the next build drops them and freezes the end afresh,
    each removal once, numbered on from the last chunk."""
    plan = _header(BitMap({1, 61}), BitMap(range(1, 61)), removal_batch=1, purpose_id=7)
    state = SqliteState(tmp_path / "state.db")
    state.record_sync_batch(plan.sync_id, "earlier", SyncBatchRecord(0, tagged=[
        (f"c{c}@x.org", c) for c in range(1, 61)]))
    state.freeze_sync_plan(plan.sync_id, plan.run_id, plan.to_bytes())
    source = HouseholdSource({61: "c61@x.org"})  # one joiner: one export chunk
    asyncio.run(PlanBuilder(source, state, state, plan).build())  # type: ignore[arg-type]
    whole = state.sync_plan_parts(plan.sync_id, plan.run_id, -1, 500)
    assert [p.kind for p in whole[:2]] == ["import", "chunk"] and whole[-1].kind == "end"
    state.drop_sync_plan_parts(plan.sync_id, plan.run_id, whole[-1].part_no - 1)  # no end
    asyncio.run(PlanBuilder(source, state, state, plan).build())  # type: ignore[arg-type]
    again = state.sync_plan_parts(plan.sync_id, plan.run_id, -1, 500)
    assert [(p.part_no, p.kind, p.payload) for p in again] == [
        (p.part_no, p.kind, p.payload) for p in whole]
    planned = PlannedRun.read(state, plan)
    assert len(planned.removals()) == planned.counts.removals == 59
    state.close()
