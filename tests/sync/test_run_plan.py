"""The pure parts of a sync run: filters, re-sync exceptions, the frozen plan, safety."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from pyroaring import BitMap

from engine.sync.delta import compute_delta
from engine.sync.filters import AddressFilter, taggable_addresses
from engine.sync.ports import MAX_IMPORT_BATCH, AuditChange, ExportRow
from engine.sync.resync import resync_candidates
from engine.sync.run_plan import PlanInputs, SyncRunPlan, build_run_plan, safety_problem

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


@st.composite
def plan_inputs(draw: st.DrawFn) -> PlanInputs:
    baseline, current = BitMap(draw(ids)), BitMap(draw(ids))
    # households: each address belongs to one or two constituents of the baseline
    ledger: dict[str, set[int]] = {}
    for constituent in baseline:
        ledger.setdefault(f"h{draw(st.integers(0, 30))}@x.org", set()).add(constituent)
    rows = [_row(c, f"h{draw(st.integers(0, 30))}@x.org") for c in current - baseline]
    return PlanInputs(
        sync_id="1", run_id="r", started_at="t", audit_until=None,
        mode=draw(st.sampled_from(["add_only", "add_and_remove"])), current=current,
        baseline=baseline, resync=BitMap(draw(ids)), ledger=ledger,
        taggable=taggable_addresses(rows, AddressFilter()),
        rejected_constituents=BitMap(draw(ids)))


@settings(max_examples=150, deadline=None)
@given(plan_inputs())
def test_a_plan_never_untags_an_address_a_listed_constituent_holds(inputs: PlanInputs) -> None:
    plan = build_run_plan(inputs)
    imported = {i.address for i in plan.imports()}
    for removal in plan.removals():
        owners = inputs.ledger[removal.address]
        assert not owners & set(inputs.current)
        assert removal.address not in imported
    if inputs.mode == "add_only":
        assert not plan.removals()
    left = set(inputs.baseline - inputs.current)
    untagged = {r.address for r in plan.removals()}
    for address, owners in inputs.ledger.items():  # every leaver's lone address goes
        if inputs.mode == "add_and_remove" and owners <= left and address not in imported:
            assert address in untagged
    assert all(len(b) <= MAX_IMPORT_BATCH for b in plan.import_batches)
    assert {i.address for i in plan.imports("add")} == set(inputs.taggable)
    assert SyncRunPlan.from_bytes(plan.to_bytes()) == plan


def test_a_large_plan_batches_imports_by_250() -> None:
    current = BitMap(range(1, 601))
    rows = [_row(c, f"c{c}@x.org") for c in current]
    plan = build_run_plan(PlanInputs("1", "r", "t", None, "add_only", current, BitMap(),
                                     BitMap(), taggable_addresses(rows, AddressFilter()), {},
                                     BitMap()))
    assert [len(b) for b in plan.import_batches] == [250, 250, 100]


def test_safety_stops_an_emptied_list_and_mass_removals() -> None:
    baseline = BitMap(range(100))
    assert "empty" in (safety_problem("add_only", baseline, BitMap(), 0.1) or "")
    assert "11 of 100" in (safety_problem("add_and_remove", baseline, BitMap(range(11, 100)),
                                          0.1) or "")
    assert safety_problem("add_and_remove", baseline, BitMap(range(10, 100)), 0.1) is None
    assert safety_problem("add_only", baseline, BitMap(range(50, 100)), 0.1) is None
    assert safety_problem("add_and_remove", BitMap(), BitMap(), 0.1) is None


def test_the_delta_keeps_only_constituents_in_both_the_baseline_and_the_list() -> None:
    delta = compute_delta(BitMap({1, 2, 3}), BitMap({2, 3, 4}))
    assert (list(delta.added), list(delta.removed), list(delta.kept)) == ([4], [1], [2, 3])


def test_a_new_owner_keeps_an_address_its_old_owner_leaves_in_the_same_run() -> None:
    inputs = PlanInputs(
        sync_id="1", run_id="r", started_at="t", audit_until="2026-03-01T00:00:00+00:00",
        mode="add_and_remove", current=BitMap({2}), baseline=BitMap({1, 2}),
        resync=BitMap(), taggable={}, ledger={"home@x.org": {1}, "one@x.org": {1}},
        rejected_constituents=BitMap(), new_owners={"home@x.org": {2}})
    plan = build_run_plan(inputs)
    assert [r.address for r in plan.removals()] == ["one@x.org"]
    assert plan.kept_shared == 1 and plan.new_owners == {"home@x.org": [2]}


def test_a_frozen_plan_keeps_its_new_owners_and_audit_window() -> None:
    """A resumed run must record the same new owners and move the audit window as far."""
    rows = [_row(3, "c3@x.org", first_name="Ada", last_name="Lovelace")]
    plan = build_run_plan(PlanInputs(
        sync_id="1", run_id="r", started_at="t", audit_until="2026-03-01T00:00:00+00:00",
        mode="add_and_remove", current=BitMap({2, 3}), baseline=BitMap({1, 2}),
        resync=BitMap(), taggable=taggable_addresses(rows, AddressFilter()),
        ledger={"home@x.org": {1}}, rejected_constituents=BitMap(),
        new_owners={"home@x.org": {2}}))
    thawed = SyncRunPlan.from_bytes(plan.to_bytes())
    assert thawed.new_owners == {"home@x.org": [2]}
    assert thawed.audit_until == "2026-03-01T00:00:00+00:00"
    [item] = thawed.imports()
    assert (item.first_name, item.last_name) == ("Ada", "Lovelace")
    assert thawed == plan
