"""Baseline diff: a million-member list with 1 % churn, pyroaring against Python sets.

``compute_delta`` is what every run does first (joiners, leavers, members kept for re-sync).
The naive peer computes the same three answers from two Python ``set`` objects.
Target (issue 5): ≤ 5 ms and ≥ 200× faster than the sets.

    python -m bench.delta [--quick]
"""

from __future__ import annotations

import random

from pyroaring import BitMap

from bench.measure import Figure, median_seconds, quick_arguments, report
from engine.sync.delta import compute_delta

CHURN = 0.01


def churned_lists(size: int, seed: int = 5) -> tuple[list[int], list[int]]:
    """Baseline and current ids: constituent ids are sparse-ish (1.5 ids issued per member);
    half the churn leaves the list, half joins it, both scattered over the whole id range."""
    rng = random.Random(seed)
    issued = range(1, size * 3 // 2 + 1)
    baseline = rng.sample(issued, size)
    members = set(baseline)
    moved = int(size * CHURN) // 2
    leavers = set(rng.sample(baseline, moved))
    joiners = rng.sample([i for i in issued if i not in members], moved)
    current = [i for i in baseline if i not in leavers] + joiners
    return baseline, current


def main() -> None:
    args = quick_arguments(__doc__ or "").parse_args()
    size, repeats = (10_000, 3) if args.quick else (1_000_000, 21)
    baseline_ids, current_ids = churned_lists(size)
    baseline, current = BitMap(baseline_ids), BitMap(current_ids)
    baseline_set, current_set = set(baseline_ids), set(current_ids)

    ours = compute_delta(baseline, current)
    naive_added = current_set - baseline_set
    assert set(ours.added) == naive_added and len(ours.removed) == len(baseline_set
                                                                         - current_set)

    roaring = median_seconds(lambda: compute_delta(baseline, current), repeats)
    sets = median_seconds(lambda: (current_set - baseline_set, baseline_set - current_set,
                                   current_set & baseline_set), max(3, repeats // 4))
    print(f"baseline diff: {size:,} ids, {len(ours.added):,} joined, "
          f"{len(ours.removed):,} left, {len(ours.kept):,} kept")
    report(Figure("delta.diff_ms", roaring * 1000, "ms", "≤ 5 ms, ≥ 200×",
                  naive=sets * 1000, ratio=f"{sets / roaring:,.0f}× faster than set"))


if __name__ == "__main__":
    main()
