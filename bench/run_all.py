"""Run every benchmark, one process each, and print their figures as one table.

    python -m bench.run_all [--quick] [--million]

Each benchmark runs in its own interpreter so one's memory or event loop never colours
another's figures. About 6 minutes on 2 cores; ``--million`` adds the 1,000,000-member runs
of the memory and rate-floor benchmarks (about 5 minutes more); ``--quick`` takes seconds
(figures meaningless).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench.measure import parse_figure, quick_arguments

BENCHMARKS = ("bench.delta", "bench.delta_stage", "bench.api_calls", "bench.rate_budget",
              "bench.sync_memory", "bench.rate_floor", "bench.contact_data_calls")
#: The benchmarks that measure a 1,000,000-member list when asked (``--million``): besides
#: their other sizes ("instead": one run measures them all), or in a run of its own ("also").
MILLION = {"bench.sync_memory": "instead", "bench.rate_floor": "also"}
REPO = Path(__file__).resolve().parent.parent


def run_benchmark(module: str, quick: bool,
                  million: bool = False) -> tuple[list[dict[str, str]], float]:
    started = time.perf_counter()
    options = [*(["--quick"] if quick else []), *(["--million"] if million else [])]
    finished = subprocess.run([sys.executable, "-m", module, *options],
                              cwd=REPO, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    sys.stdout.write(finished.stdout)
    if finished.returncode != 0:
        sys.stderr.write(finished.stderr)
        raise SystemExit(f"{module} failed with exit status {finished.returncode}")
    figures = [f for f in map(parse_figure, finished.stdout.splitlines()) if f]
    return figures, seconds


def table(rows: list[dict[str, str]]) -> str:
    """A Markdown table, so the README can show the last figures as printed."""
    header = ("figure", "value", "target", "naive peer", "ratio")
    cells = [header, *((r["key"], r["value"], r["target"], r["naive"], r["ratio"])
                       for r in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
             for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main() -> None:
    parser = quick_arguments(__doc__ or "")
    parser.add_argument("--million", action="store_true",
                        help="the memory and rate-floor benchmarks on 1,000,000 members too")
    args = parser.parse_args()
    rows: list[dict[str, str]] = []
    total = 0.0
    for module in BENCHMARKS:
        how = MILLION.get(module) if args.million else None
        figures, seconds = run_benchmark(module, args.quick, million=how == "instead")
        if how == "also":
            more, extra = run_benchmark(module, args.quick, million=True)
            figures, seconds = figures + more, seconds + extra
        print(f"# {module}: {seconds:.1f} s", flush=True)
        rows += figures
        total += seconds
    print()
    print(table(rows))
    print(f"\nall benchmarks: {total:.0f} s")


if __name__ == "__main__":
    main()
