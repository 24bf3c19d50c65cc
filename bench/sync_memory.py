"""Peak memory of a Data Sync's first run, by list size, the emulators in their own process.

A first run of the ``large`` seed's Board (10,014 members), Lapsed Donors (150,147) and, with
``--million``, All Constituents (1,000,000) lists, with contact data (two output-set columns),
each in a fresh Callboard process: peak RSS (the kernel's VmHWM) above the interpreter's own
(its RSS once everything is imported, before the run). The naive peer holds the list as
Python objects before its first write, as Callboard did until issue 10: the contents decoded
whole, every member's export rows, the taggable addresses. Targets (issue 10): ≤ 200 MB above
the interpreter at 1M, and the 150k figure within 10 % of it (memory does not grow with the
list).

    python -m bench.sync_memory [--quick] [--million]
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from typing import Any

from bench.measure import Figure, peak_rss_bytes, quick_arguments, report, reset_peak_rss, rss_bytes
from bench.served_org import LISTS, ServedEmulator, carried_fields, definition, served_runner
from engine.sync.filters import AddressFilter, taggable_addresses
from providers.tessitura.client import TessituraClient
from providers.tessitura.sync_source import TessituraListSource

MB = 1_000_000


async def _engine(base: str, list_id: int) -> dict[str, Any]:
    wanted = definition(list_id, f"memory-{list_id}-{time.time_ns()}",
                        fields=carried_fields(base))
    async with served_runner(base) as (runner, _):
        before = rss_bytes()
        reset_peak_rss()
        started = time.perf_counter()
        report_ = await runner.run(wanted, force=True)
        seconds = time.perf_counter() - started
        assert report_.ok, report_.message
        return {"before": before, "peak": peak_rss_bytes(), "seconds": seconds,
                "members": report_.list_size, "added": report_.added}


async def _naive(base: str, list_id: int) -> dict[str, Any]:
    client = TessituraClient(f"{base}/TessituraService", "callboard", "admin", "emulator",
                             "emulator")
    source = TessituraListSource(client)
    before = rss_bytes()
    reset_peak_rss()
    started = time.perf_counter()
    rows = await client.get(f"/Reporting/Lists/{list_id}/Contents")
    members = sorted({row["ConstituentId"] for row in rows})
    exported = await source.export(members, 31, ["Membership Level", "Lifetime Giving"])
    taggable = taggable_addresses(exported, AddressFilter(primary_only=True))
    seconds = time.perf_counter() - started
    await client.aclose()
    return {"before": before, "peak": peak_rss_bytes(), "seconds": seconds,
            "members": len(members), "added": len(taggable)}


def _child(base: str, list_id: int, naive: bool) -> dict[str, Any]:
    """One measurement in a fresh interpreter, so no other run's heap colours it."""
    finished = subprocess.run([sys.executable, "-m", "bench.sync_memory", "--child", base,
                               str(list_id), "naive" if naive else "engine"],
                              capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise SystemExit(f"memory child failed: {finished.stderr[-2000:]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        base, list_id, kind = sys.argv[2], int(sys.argv[3]), sys.argv[4]
        work = _naive if kind == "naive" else _engine
        print(json.dumps(asyncio.run(work(base, list_id))))
        return
    parser = quick_arguments(__doc__ or "")
    parser.add_argument("--million", action="store_true",
                        help="also the 1,000,000-member list (about 3 minutes more)")
    args = parser.parse_args()
    sizes = ["10k", "150k"] + (["1m"] if args.million else [])
    found: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    with ServedEmulator("demo" if args.quick else "large") as base:
        for size in sizes:
            ours = _child(base, LISTS[size], naive=False)
            naive = _child(base, LISTS[size], naive=True)
            found[size] = (ours, naive)
            print(f"first run of list {LISTS[size]} ({ours['members']:,} members, "
                  f"{ours['added']:,} addresses tagged) in {ours['seconds']:.0f} s: peak RSS "
                  f"{_extra(ours):.0f} MB above the interpreter's {ours['before'] / MB:.0f} MB; "
                  f"naive peer {_extra(naive):.0f} MB before its first write", flush=True)
    for size in sizes:
        ours, naive = found[size]
        report(Figure(f"memory.first_run_extra_mb_{size}", _extra(ours), "MB", "≤ 200 MB",
                      naive=_extra(naive),
                      ratio=f"{_extra(naive) / max(_extra(ours), 1):,.1f}× less than the list "
                            "as Python objects"))
    if args.million:
        small, large = _extra(found["150k"][0]), _extra(found["1m"][0])
        growth = (large - small) / large * 100
        naive_growth = _extra(found["1m"][1]) / max(_extra(found["150k"][1]), 1)
        report(Figure("memory.growth_150k_to_1m_pct", growth, "%", "≤ 10 %",
                      naive=(naive_growth - 1) * 100,
                      ratio=f"1M needs {large / max(small, 1):.2f}× the memory of 150k "
                            f"(naive peer {naive_growth:.1f}×)"))


def _extra(measured: dict[str, Any]) -> float:
    return (measured["peak"] - measured["before"]) / MB


if __name__ == "__main__":
    main()
