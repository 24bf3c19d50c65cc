"""``resync: values`` digests in state (both backends): kept per member, dropped for
leavers, replaced when values are sent again."""

from __future__ import annotations

from engine.state import StateStore


def test_digests_are_kept_replaced_and_forgotten(state: StateStore) -> None:
    state.record_sync_digests("s1", [(1, 10), (2, -20), (3, 2 ** 63 - 1)], forget=[])
    state.record_sync_digests("s2", [(1, 99)], forget=[])
    assert state.sync_digests("s1", [1, 2, 3, 4]) == {1: 10, 2: -20, 3: 2 ** 63 - 1}
    state.record_sync_digests("s1", [(2, 21)], forget=[3])
    assert state.sync_digests("s1", [1, 2, 3]) == {1: 10, 2: 21}
    assert state.sync_digests("s2", [1]) == {1: 99}
    ids = list(range(5000))
    state.record_sync_digests("s3", [(n, n) for n in ids], forget=[])
    assert len(state.sync_digests("s3", ids)) == 5000  # more ids than one query binds
