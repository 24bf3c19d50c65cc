"""A first run's wall time against its rate floor, Prospect2's budgets raised by one factor.

The ``large`` seed's Lapsed Donors list (150,147 members; ``--million``: All Constituents,
1,000,000) synced for the first time, with contact data, the emulators serving in their own
process and enforcing Prospect2's limits times ``--scale`` (``rate_limit_scale``), the
client's budgets raised as much. The floor is the slower of Prospect2's two limits for the
calls the run made: ``calls ÷ (5 × scale)`` requests a second, and the 100-imports-a-minute
window (× scale), which admits its imports a window's worth at a time. Everything else a
run does (regenerate, read the list, export from Tessitura, freeze the plan, journal) must
hide behind the sending. The naive peer is the same engine sending one batch at a time, as
Callboard did until issue 10, after deciding everything. Target (issue 10): ≤ 1.15 × floor.

    python -m bench.rate_floor [--quick] [--scale 10] [--million]
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from bench.measure import Figure, quick_arguments, report
from bench.served_org import (
    LISTS,
    ServedEmulator,
    carried_fields,
    control,
    definition,
    served_runner,
)
from engine.sync import plan_sender
from providers.prospect2.client import PUBLISHED_RATE
from providers.prospect2.sync_target import IMPORTS_PER_MINUTE

IMPORTS = "POST /api/3/import/bulk_import"
WINDOW_SECONDS = 60.0  # the emulator's import window


def floor_seconds(calls: int, imports: int, scale: float) -> tuple[float, float]:
    """(request floor, import-window floor) in seconds."""
    requests = calls / (PUBLISHED_RATE * scale)
    window = (math.ceil(imports / (IMPORTS_PER_MINUTE * scale)) - 1) * WINDOW_SECONDS
    return requests, max(window, 0.0)


async def first_run(base: str, list_id: int, scale: float, name: str,
                    in_flight: int) -> dict[str, Any]:
    wanted = definition(list_id, name, fields=carried_fields(base))
    before = control(base, "stats")["requests"].get(IMPORTS, 0)
    plan_sender.IMPORTS_IN_FLIGHT = in_flight
    async with served_runner(base, scale=scale) as (runner, _):
        started = time.perf_counter()
        done = await runner.run(wanted, force=True)
        seconds = time.perf_counter() - started
    assert done.ok, done.message
    imports = control(base, "stats")["requests"][IMPORTS] - before
    requests, window = floor_seconds(done.prospect2_calls, imports, scale)
    return {"seconds": seconds, "calls": done.prospect2_calls, "imports": imports,
            "floor": max(requests, window), "request_floor": requests,
            "window_floor": window, "rate_limited": done.rate_limited,
            "members": done.list_size, "tessitura": done.tessitura_calls}


def main() -> None:
    parser = quick_arguments(__doc__ or "")
    parser.add_argument("--scale", type=float, default=10.0,
                        help="Prospect2's budgets (emulator and client) times this")
    parser.add_argument("--million", action="store_true",
                        help="the 1,000,000-member list instead (about 3 minutes at 20×)")
    args = parser.parse_args()
    size = "1m" if args.million else "150k"
    with ServedEmulator("demo" if args.quick else "large") as base:
        control(base, "faults", {"enforce_rate_limit": True, "rate_limit_scale": args.scale})
        ours = asyncio.run(first_run(base, LISTS[size], args.scale, f"floor-{size}",
                                     plan_sender.IMPORTS_IN_FLIGHT))
        naive = asyncio.run(first_run(base, LISTS[size], args.scale, f"floor-{size}-naive", 1))
    for name, found in (("run", ours), ("naive peer (one batch at a time)", naive)):
        print(f"first {name} of {found['members']:,} members at {args.scale:g}× budgets: "
              f"{found['seconds']:.1f} s for {found['calls']:,} Prospect2 calls "
              f"({found['imports']:,} imports, {found['rate_limited']} answered 429) and "
              f"{found['tessitura']:,} Tessitura calls; floor {found['floor']:.1f} s "
              f"(requests {found['request_floor']:.1f} s, import window "
              f"{found['window_floor']:.1f} s)", flush=True)
    ratio = ours["seconds"] / ours["floor"]
    naive_ratio = naive["seconds"] / naive["floor"]
    report(Figure(f"rate.first_run_floor_ratio_{size}", ratio, "× floor", "≤ 1.15",
                  naive=naive_ratio,
                  ratio=f"{ours['calls']:,} calls in {ours['seconds']:.1f} s, floor "
                        f"{ours['floor']:.1f} s; naive {naive['seconds']:.1f} s"))


if __name__ == "__main__":
    main()
