"""Live objects of one read, found by remote id or natural key, and which are claimed.

Plan, apply, drift and generate all ask the same three questions of what a command listed:
which object has this id, which has this natural key, and which does no address manage yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from engine.kinds import LiveObject
from engine.state.base import ResourceRecord


class LiveIndex:
    """Objects by kind; an object is *claimed* once an address manages it (in state, or
    adopted during this diff), so it is never adopted twice."""

    def __init__(self, live: Mapping[str, Iterable[LiveObject]],
                 managed: Iterable[ResourceRecord] = ()) -> None:
        self._objects: dict[str, list[LiveObject]] = {k: list(v) for k, v in live.items()}
        self._by_id = {(k, o.remote_id): o for k, objs in self._objects.items() for o in objs}
        self._claimed = {(r.kind, r.remote_id) for r in managed}

    def of_kind(self, kind: str) -> list[LiveObject]:
        return self._objects.get(kind, [])

    def by_id(self, kind: str, remote_id: str | None) -> LiveObject | None:
        return self._by_id.get((kind, remote_id)) if remote_id is not None else None

    def with_key(self, kind: str, key: str) -> list[LiveObject]:
        """Every object of ``kind`` with this natural key, claimed or not; when none has it
        exactly, those whose key differs only in case (Prospect2 refuses "vip" beside "VIP",
        so creating it would fail: the object is adopted and its key updated instead)."""
        exact = [o for o in self.of_kind(kind) if o.key == key]
        if exact:
            return exact
        return [o for o in self.of_kind(kind) if o.key.casefold() == key.casefold()]

    def unclaimed(self, kind: str) -> list[LiveObject]:
        return [o for o in self.of_kind(kind) if not self.is_claimed(o)]

    def unclaimed_by_key(self, kind: str, key: str) -> LiveObject | None:
        return next((o for o in self.with_key(kind, key) if not self.is_claimed(o)), None)

    def is_claimed(self, obj: LiveObject) -> bool:
        return (obj.kind, obj.remote_id) in self._claimed

    def claim(self, obj: LiveObject) -> LiveObject:
        self._claimed.add((obj.kind, obj.remote_id))
        return obj
