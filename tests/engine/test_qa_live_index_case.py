"""LiveIndex finds a natural key whatever its case only when no object has it exactly."""

from __future__ import annotations

from engine.kinds import LiveObject
from engine.live_index import LiveIndex


def _tag(remote_id: str, key: str) -> LiveObject:
    return LiveObject(kind="tags", remote_id=remote_id, key=key, value=None)  # type: ignore[arg-type]


def test_an_exact_key_wins_over_one_that_differs_in_case() -> None:
    index = LiveIndex({"tags": [_tag("1", "VIP"), _tag("2", "vip")]})
    assert [o.remote_id for o in index.with_key("tags", "vip")] == ["2"]
    assert [o.remote_id for o in index.with_key("tags", "VIP")] == ["1"]


def test_a_key_that_differs_only_in_case_is_found() -> None:
    index = LiveIndex({"tags": [_tag("1", "VIP"), _tag("3", "Gala")]})
    assert [o.remote_id for o in index.with_key("tags", "Vip")] == ["1"]
    assert index.unclaimed_by_key("tags", "gala").remote_id == "3"  # type: ignore[union-attr]
    assert index.with_key("tags", "galas") == []
