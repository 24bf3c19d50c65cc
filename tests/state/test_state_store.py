"""What every state backend must remember, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from engine.errors import StateError
from engine.state import StateStore, open_state
from engine.state.base import (
    ResourceRecord,
    SyncBaseline,
    SyncBatchRecord,
    SyncRunLogEntry,
    WritebackLedger,
)


def _record(address: str, **fields: object) -> ResourceRecord:
    kind, name = address.split(".")
    return ResourceRecord(address=address, kind=kind, name=name, remote_id=f"id-{name}",
                          fields=dict(fields))


def test_resources_put_get_remove(state: StateStore) -> None:
    state.put(_record("tags.members", name="Member - Active", weights=[1.5, 2], nested={"é": 1}))
    state.put(_record("tags.alpha", name="Alpha"))
    protected = _record("custom_fields.tier", title="Tier")
    protected.prevent_destroy = True
    state.put(protected)

    assert list(state.resources()) == ["custom_fields.tier", "tags.alpha", "tags.members"]
    members = state.get("tags.members")
    assert members is not None
    assert members.fields == {"name": "Member - Active", "weights": [1.5, 2], "nested": {"é": 1}}
    assert members.remote_id == "id-members" and members.updated_at
    assert state.get("custom_fields.tier").prevent_destroy is True  # type: ignore[union-attr]
    assert state.get("tags.nope") is None

    state.put(_record("tags.members", name="Renamed"))
    assert state.get("tags.members").fields == {"name": "Renamed"}  # type: ignore[union-attr]
    state.remove("tags.alpha")
    assert set(state.resources()) == {"custom_fields.tier", "tags.members"}


def test_serial_lineage_and_apply_journal(state: StateStore,
                                          open_store: Callable[[], StateStore]) -> None:
    fresh = state.header()
    assert fresh.serial == 0 and fresh.applying_plan is None and len(fresh.lineage) == 36

    assert state.begin_apply("plan-1") == 1
    state.mark_done("plan-1", "tags.a")
    state.mark_done("plan-1", "tags.a")  # resumed runs may repeat a mark
    state.mark_done("plan-1", "tags.b")
    assert state.journal("plan-1") == {"tags.a", "tags.b"}
    assert state.header().applying_plan == "plan-1"

    reopened = open_store()  # another runner sees the unfinished apply
    assert reopened.header().applying_plan == "plan-1"
    assert reopened.journal("plan-1") == {"tags.a", "tags.b"}

    state.finish_apply("plan-1")
    header = state.header()
    assert (header.serial, header.applying_plan, header.last_applied_plan) == (1, None, "plan-1")
    assert header.lineage == fresh.lineage
    assert state.journal("plan-1") == set()
    assert state.begin_apply("plan-2") == 2


def test_migrations_are_idempotent_on_reopen(state_url: str) -> None:
    first = open_state(state_url)
    lineage = first.header().lineage
    first.put(_record("tags.kept", name="Kept"))
    first.close()
    for _ in range(2):
        again = open_state(state_url)
        try:
            assert again.header().lineage == lineage
            assert list(again.resources()) == ["tags.kept"]
        finally:
            again.close()


def _ledger(campaign_id: str = "c-1") -> WritebackLedger:
    return WritebackLedger(campaign_id=campaign_id, campaign_name="Spring", mapping_id="m-1",
                           mapping_name="spring", appeal_id=7, source_group_id=3,
                           media_type_id=2, constituent_ids=[5, 3, 9], constituents_digest="d1",
                           unowned_addresses=1, batch_size=2)


def test_writeback_ledger(state: StateStore) -> None:
    assert state.writeback_statuses() == {} and state.writeback_ledger("c-1") is None
    ledger = _ledger()
    state.start_writeback(ledger)
    with pytest.raises(StateError, match="c-1 already has a writeback ledger"):
        state.start_writeback(_ledger())

    ledger.source_id, ledger.batches_confirmed, ledger.inserted = 44, 1, 2
    ledger.constituent_ids = [1]  # frozen recipients are never rewritten
    state.update_writeback_progress(ledger)
    stored = state.writeback_ledger("c-1")
    assert stored is not None
    assert (stored.source_id, stored.batches_confirmed, stored.inserted) == (44, 1, 2)
    assert stored.constituent_ids == [5, 3, 9] and stored.started_at
    ledger.status = "complete"
    state.update_writeback_progress(ledger)
    assert state.writeback_statuses() == {"c-1": "complete"}
    with pytest.raises(StateError, match="no writeback ledger"):
        state.update_writeback_progress(_ledger("c-unknown"))


def test_sync_run_tables_round_trip(state: StateStore) -> None:
    bitmap = bytes(range(256)) + b"\x00\x00tail"
    assert state.sync_baseline("s1") is None and state.sync_plan("s1") is None
    state.freeze_sync_plan("s1", "run-1", bitmap)
    with pytest.raises(StateError, match="already has an unfinished run"):
        state.freeze_sync_plan("s1", "run-2", b"x")
    assert state.sync_plan("s1") == ("run-1", bitmap)

    state.record_sync_batch("s1", "run-1", SyncBatchRecord(
        batch_no=0, tagged=[("a@x.org", 1), ("a@x.org", 2), ("b@x.org", 3)],
        associations={"a@x.org": "ct-1", "b@x.org": "ct-2"},
        rejected={"bad@x.org": ([4, 5], "invalid email")}))
    state.record_sync_batch("s1", "run-1", SyncBatchRecord(
        batch_no=1, untagged=["b@x.org"], rejected={"c@x.org": ([6], "bounced")}))
    state.record_sync_batch("s1", "run-1", SyncBatchRecord(batch_no=2, not_found=3))
    assert state.sync_batches_done("s1", "run-1") == {0, 1, 2}
    assert state.sync_batches_not_found("s1", "run-1") == {2: 3}  # a purpose update's
    assert state.sync_ledger("s1") == {"a@x.org": {1, 2}}
    assert state.sync_associations("s1") == {"a@x.org": "ct-1"}
    assert state.sync_rejected("s1") == [("bad@x.org", 4, "invalid email"),
                                         ("bad@x.org", 5, "invalid email"),
                                         ("c@x.org", 6, "bounced")]
    state.save_sync_associations("s1", {"a@x.org": "ct-9", "d@x.org": "ct-4"})
    assert state.sync_associations("s1") == {"a@x.org": "ct-9", "d@x.org": "ct-4"}

    state.finish_sync_plan("s1", "run-1", SyncBaseline("s1", bitmap, "2025-01-02T00:00:00Z"),
                           forget_owners=[2], forget_rejected=[4, 6])
    baseline = state.sync_baseline("s1")
    assert baseline is not None
    assert (baseline.members, baseline.audit_until) == (bitmap, "2025-01-02T00:00:00Z")
    assert state.sync_plan("s1") is None and state.sync_batches_done("s1", "run-1") == set()
    assert state.sync_batches_not_found("s1", "run-1") == {}
    assert state.sync_ledger("s1") == {"a@x.org": {1}}
    assert state.sync_rejected("s1") == [("bad@x.org", 5, "invalid email")]
    assert state.sync_ledger("s2") == {} and state.sync_associations("s2") == {}


def test_a_baseline_keeps_its_tag_and_another_tag_drops_the_old_ones_contact_tags(
        state: StateStore) -> None:
    """A tag deleted and made again has other contactTag ids: the cached ones are stale."""
    state.save_sync_associations("s1", {"a@x.org": "ct-1"})
    state.finish_sync_plan("s1", "r1", SyncBaseline("s1", b"\x01", tag_id="10"), [], [])
    state.finish_sync_plan("s1", "r2", SyncBaseline("s1", b"\x02", tag_id="10"), [], [])
    baseline = state.sync_baseline("s1")
    assert baseline is not None and (baseline.members, baseline.tag_id) == (b"\x02", "10")
    assert state.sync_associations("s1") == {"a@x.org": "ct-1"}  # the same tag's: kept
    state.finish_sync_plan("s1", "r3", SyncBaseline("s1", b"\x03", tag_id="11"), [], [])
    assert state.sync_baseline("s1").tag_id == "11"  # type: ignore[union-attr]
    assert state.sync_associations("s1") == {}


def test_sync_run_log(state: StateStore) -> None:
    old = SyncRunLogEntry("r0", "s1", "data_syncs.members", "2000-01-01T00:00:00+00:00", None,
                          "ok")
    state.log_sync_run(old)
    first = SyncRunLogEntry("r1", "s1", "data_syncs.members", "2099-01-01T00:00:00+00:00", None,
                            "running")
    other = SyncRunLogEntry("r2", "s2", "data_syncs.donors", "2099-01-01T00:00:01+00:00",
                            "2099-01-01T00:01:00+00:00", "ok", {"tagged": 3, "errors": []})
    state.log_sync_run(first)
    state.log_sync_run(other)
    first.status, first.finished_at, first.summary = "ok", "2099-01-01T00:02:00+00:00", {"n": 1}
    state.log_sync_run(first)  # the same run's entry is updated, not duplicated
    assert state.sync_runs(None, "1999-01-01") == [first, other]  # 30-day retention dropped r0
    assert state.sync_runs("data_syncs.donors", "2000-01-01") == [other]
