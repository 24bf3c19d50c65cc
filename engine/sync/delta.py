"""The Data Sync delta: who joined and who left a list since the last confirmed run.

Lists reach a million constituents, so membership is a compressed bitmap (pyroaring) and the
delta is two bitmap differences, not a Python set walk. Pure: bitmaps in, bitmaps out.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyroaring import BitMap


@dataclass(frozen=True)
class DataSyncDelta:
    """``added``: in the list now, not in the baseline; ``removed``: the reverse;
    ``kept``: in both (candidates for a re-sync when their audited data changed)."""

    added: BitMap
    removed: BitMap
    kept: BitMap

    @property
    def empty(self) -> bool:
        return not self.added and not self.removed


def compute_delta(baseline: BitMap, current: BitMap) -> DataSyncDelta:
    """First run (empty baseline): everyone is added."""
    return DataSyncDelta(added=current - baseline, removed=baseline - current,
                         kept=current & baseline)


def dump_bitmap(bitmap: BitMap) -> bytes:
    """Portable serialization (the Roaring format), for state."""
    bitmap.run_optimize()
    return bitmap.serialize()


def load_bitmap(blob: bytes | None) -> BitMap:
    return BitMap.deserialize(blob) if blob else BitMap()
