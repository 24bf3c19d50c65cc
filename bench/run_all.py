"""Run every benchmark, one process each, and print their figures as one table.

    python -m bench.run_all [--quick]

Each benchmark runs in its own interpreter so one's memory or event loop never colours
another's figures. Under 5 minutes on 2 cores; ``--quick`` takes seconds (figures meaningless).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench.measure import parse_figure, quick_arguments

BENCHMARKS = ("bench.delta", "bench.delta_stage", "bench.api_calls", "bench.rate_budget")
REPO = Path(__file__).resolve().parent.parent


def run_benchmark(module: str, quick: bool) -> tuple[list[dict[str, str]], float]:
    started = time.perf_counter()
    finished = subprocess.run([sys.executable, "-m", module, *(["--quick"] if quick else [])],
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
    args = quick_arguments(__doc__ or "").parse_args()
    rows: list[dict[str, str]] = []
    total = 0.0
    for module in BENCHMARKS:
        figures, seconds = run_benchmark(module, args.quick)
        print(f"# {module}: {seconds:.1f} s", flush=True)
        rows += figures
        total += seconds
    print()
    print(table(rows))
    print(f"\nall benchmarks: {total:.0f} s")


if __name__ == "__main__":
    main()
