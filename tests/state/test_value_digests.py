"""``resync: values`` digests in state (both backends): staged with a run's plan, kept per
member once the run finishes, replaced when values are sent again, dropped for leavers."""

from __future__ import annotations

from engine.state import StateStore
from engine.state.base import SyncBaseline


def _finish(state: StateStore, sync_id: str, run_id: str, digests: list[tuple[int, int]],
            leavers: list[int]) -> None:
    state.extend_sync_plan(sync_id, run_id, [], (), digests)
    state.finish_sync_plan(sync_id, run_id, SyncBaseline(sync_id, b""), leavers, [])


def test_digests_are_kept_replaced_and_forgotten(state: StateStore) -> None:
    _finish(state, "s1", "r1", [(1, 10), (2, -20), (3, 2 ** 63 - 1)], [])
    _finish(state, "s2", "r1", [(1, 99)], [])
    assert state.sync_digests("s1", [1, 2, 3, 4]) == {1: 10, 2: -20, 3: 2 ** 63 - 1}
    state.extend_sync_plan("s1", "r2", [], (), [(1, 11)])  # staged, not kept yet
    assert state.sync_digests("s1", [1]) == {1: 10}
    state.finish_sync_plan("s1", "r2", SyncBaseline("s1", b""), [3], [])
    assert state.sync_digests("s1", [1, 2, 3]) == {1: 11, 2: -20}
    assert state.sync_digests("s2", [1]) == {1: 99}
    ids = list(range(5000))
    _finish(state, "s3", "r1", [(n, n) for n in ids], [])
    assert len(state.sync_digests("s3", ids)) == 5000  # more ids than one query binds
