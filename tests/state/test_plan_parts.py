"""A run plan frozen part by part (both backends): parts read back in order a page at a
time, the addresses it imports answer look-ups and page in order, a half-frozen end is
dropped, leftovers of runs that never froze are discarded, and the ledger is read for the
leavers only."""

from __future__ import annotations

from typing import Any

import pytest

from engine.state import StateStore
from engine.state.base import SyncBaseline, SyncBatchRecord, SyncPlanPart


def test_parts_and_planned_addresses_come_back_in_order(state: StateStore) -> None:
    state.freeze_sync_plan("s", "r", b"{}")
    state.extend_sync_plan("s", "r", [SyncPlanPart(0, "import", b"a"),
                                      SyncPlanPart(1, "chunk", b"b")], ["b@x.org", "a@x.org"])
    state.extend_sync_plan("s", "r", [SyncPlanPart(2, "import", b"c")], ["c@x.org"])
    state.extend_sync_plan("s", "other", [SyncPlanPart(0, "import", b"z")], ["a@x.org"])
    assert [p.part_no for p in state.sync_plan_parts("s", "r", -1, 2)] == [0, 1]
    assert state.sync_plan_parts("s", "r", 1, 2) == [SyncPlanPart(2, "import", b"c")]
    assert state.sync_plan_last("s", "r", "chunk") == SyncPlanPart(1, "chunk", b"b")
    assert state.sync_plan_last("s", "r").part_no == 2
    assert state.sync_planned("s", "r", ["a@x.org", "d@x.org", "c@x.org"]) == {"a@x.org",
                                                                              "c@x.org"}
    assert state.sync_planned_page("s", "r", "", 2) == ["a@x.org", "b@x.org"]
    assert state.sync_planned_page("s", "r", "b@x.org", 2) == ["c@x.org"]
    state.drop_sync_plan_parts("s", "r", 1)
    assert state.sync_plan_last("s", "r").part_no == 1
    state.discard_sync_plans("s", "r")  # the frozen run stays, the other goes
    assert state.sync_plan_parts("s", "other") == []
    assert len(state.sync_plan_parts("s", "r")) == 2
    state.finish_sync_plan("s", "r", SyncBaseline("s", b""), [], [])
    assert state.sync_plan("s") is None and state.sync_plan_parts("s", "r") == []
    state.freeze_sync_plan("s", "r2", b"payload")
    state.extend_sync_plan("s", "r2", [SyncPlanPart(0, "import", b"a")], ["a@x.org"])
    state.discard_sync_plans("s", None)  # frozen for a tag deleted since: it goes too
    assert state.sync_plan("s") is None and state.sync_plan_parts("s", "r2") == []
    assert state.sync_planned("s", "r", ["a@x.org"]) == set()


def test_the_ledger_is_read_for_the_addresses_leavers_held(state: StateStore) -> None:
    state.record_sync_batch("s", "r", SyncBatchRecord(0, tagged=[
        ("home@x.org", 1), ("home@x.org", 2), ("one@x.org", 1), ("two@x.org", 2),
        ("three@x.org", 3)]))
    assert state.sync_ledger_of("s", [1]) == {"home@x.org": {1, 2}, "one@x.org": {1}}
    assert state.sync_ledger_of("s", [], ["three@x.org", "nobody@x.org"]) == {
        "three@x.org": {3}}
    assert state.sync_ledger_of("s", range(5000)) == state.sync_ledger("s")


def test_look_ups_of_any_length_are_exact_and_share_a_few_statements(
        state: StateStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """``IN (…)`` look-ups of every length answer exactly, through one statement per size
    class: a connection keeps its recent statements prepared (SQLite: 128, about 20 KB for
    900 values), so one statement per length made a run's state memory grow with its list."""
    state.extend_sync_plan("s", "r", [], [f"{n}@x.org" for n in range(0, 2000, 2)])
    state.extend_sync_plan("d", "r2", [], [], [(n, n * 7) for n in range(0, 2000, 2)])
    state.finish_sync_plan("d", "r2", SyncBaseline("d", b""), [], [])
    statements: set[str] = set()
    real = state.db

    class Recording:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def execute(self, sql: str, *args: Any) -> Any:
            statements.add(sql)
            return real.execute(sql, *args)

    monkeypatch.setattr(state, "db", Recording())
    for length in (1, 15, 16, 17, 63, 65, 255, 257, 899, 900, 901, 1799):
        asked = list(range(length))
        evens = {n for n in asked if n % 2 == 0}
        assert state.sync_planned("s", "r", [f"{n}@x.org" for n in asked]) == {
            f"{n}@x.org" for n in evens}
        assert state.sync_digests("d", asked) == {n: n * 7 for n in evens}
    assert len(statements) <= 2 * 4  # two look-ups, four sizes each
