"""The whole delta stage at 5M ids: load the baseline from SQLite state, diff, save atomically.

Measured as ``DataSyncRunner`` does it: ``sync_baseline`` + ``load_bitmap``, ``compute_delta``,
then ``finish_sync_plan`` (one ``BEGIN IMMEDIATE`` transaction writing the new baseline and
forgetting the leavers' ledger rows). The current membership (the list source's answer) is
built beforehand. The naive peer keeps the baseline as a JSON array of ids, loads it into a
``set``, diffs and writes it back in one transaction. Extra memory is the peak resident size
above the size before the stage, each measurement in its own forked process.
Target (issue 5): ≤ 0.25 s and ≤ 100 MB extra RSS.

    python -m bench.delta_stage [--quick]
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy
from pyroaring import BitMap

from bench.measure import (
    Figure,
    in_child,
    peak_rss_bytes,
    quick_arguments,
    report,
    reset_peak_rss,
    rss_bytes,
)
from engine.state.base import SyncBaseline
from engine.state.sqlite import SqliteState
from engine.sync.delta import compute_delta, dump_bitmap, load_bitmap

SYNC_ID = "bench-sync"
CHURN = 0.01
MB = 1_000_000


def membership_arrays(size: int, seed: int = 7) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Baseline and current ids (sorted uint32): 1.5 ids issued per member, 1 % churn."""
    rng = numpy.random.default_rng(seed)
    issued = rng.permutation(numpy.arange(1, size * 3 // 2 + 1, dtype=numpy.uint32))
    moved = int(size * CHURN) // 2
    baseline = issued[:size]
    current = numpy.concatenate([issued[moved:size], issued[size:size + moved]])
    return numpy.sort(baseline), numpy.sort(current)


def _roaring_stage(size: int, repeats: int) -> dict[str, Any]:
    baseline_ids, current_ids = membership_arrays(size)
    baseline_blob = dump_bitmap(BitMap(baseline_ids))
    current = BitMap(current_ids)
    del baseline_ids, current_ids
    with tempfile.TemporaryDirectory() as folder:
        state = SqliteState(Path(folder) / "state.db")
        samples, extra = [], 0
        for attempt in range(repeats):
            state.finish_sync_plan(SYNC_ID, "setup", SyncBaseline(SYNC_ID, baseline_blob),
                                   forget_owners=[], forget_rejected=[])
            measuring = attempt == 0 and reset_peak_rss()
            before = rss_bytes()
            started = time.perf_counter()
            stored = state.sync_baseline(SYNC_ID)
            baseline = load_bitmap(stored.members if stored else None)
            delta = compute_delta(baseline, current)
            state.finish_sync_plan(SYNC_ID, f"run-{attempt}",
                                   SyncBaseline(SYNC_ID, dump_bitmap(current), "now"),
                                   forget_owners=list(delta.removed), forget_rejected=[])
            samples.append(time.perf_counter() - started)
            if measuring:
                extra = peak_rss_bytes() - before
            del stored, baseline, delta
        state.close()
    return {"seconds": statistics.median(samples), "extra_bytes": extra,
            "blob_bytes": len(baseline_blob)}


def _json_stage(size: int, repeats: int) -> dict[str, Any]:
    baseline_ids, current_ids = membership_arrays(size)
    baseline_text = json.dumps(baseline_ids.tolist())
    current = set(current_ids.tolist())
    del baseline_ids, current_ids
    with tempfile.TemporaryDirectory() as folder:
        db = sqlite3.connect(Path(folder) / "naive.db", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE baseline (sync_id TEXT PRIMARY KEY, members TEXT NOT NULL)")
        samples, extra = [], 0
        for attempt in range(repeats):
            db.execute("INSERT OR REPLACE INTO baseline VALUES (?, ?)", (SYNC_ID, baseline_text))
            measuring = attempt == 0 and reset_peak_rss()
            before = rss_bytes()
            started = time.perf_counter()
            row = db.execute("SELECT members FROM baseline WHERE sync_id = ?",
                             (SYNC_ID,)).fetchone()
            baseline = set(json.loads(row[0]))
            added, removed, kept = current - baseline, baseline - current, current & baseline
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT OR REPLACE INTO baseline VALUES (?, ?)",
                       (SYNC_ID, json.dumps(sorted(current))))
            db.execute("COMMIT")
            samples.append(time.perf_counter() - started)
            if measuring:
                extra = peak_rss_bytes() - before
            del row, baseline, added, removed, kept
        db.close()
    return {"seconds": statistics.median(samples), "extra_bytes": extra}


def main() -> None:
    args = quick_arguments(__doc__ or "").parse_args()
    size, repeats, naive_repeats = (50_000, 3, 1) if args.quick else (5_000_000, 7, 3)
    ours = in_child(lambda: _roaring_stage(size, repeats))
    naive = in_child(lambda: _json_stage(size, naive_repeats))
    print(f"delta stage: {size:,} ids, {CHURN:.0%} churn; baseline blob "
          f"{ours['blob_bytes'] / MB:.2f} MB; naive {naive['seconds']:.2f} s, "
          f"{naive['extra_bytes'] / MB:.0f} MB extra")
    report(Figure("delta_stage.seconds", ours["seconds"], "s", "≤ 0.25 s",
                  naive=naive["seconds"],
                  ratio=f"{naive['seconds'] / ours['seconds']:,.0f}× faster than JSON + set"))
    report(Figure("delta_stage.extra_rss_mb", ours["extra_bytes"] / MB, "MB", "≤ 100 MB",
                  naive=naive["extra_bytes"] / MB,
                  ratio=f"{naive['extra_bytes'] / max(ours['extra_bytes'], 1):,.1f}× less "
                        "than JSON + set"))


if __name__ == "__main__":
    main()
