"""What every benchmark shares: median timing, peak memory in a child, the figure line.

Figure lines have one fixed shape so ``run_all`` and the smoke test can read them back::

    FIGURE <key>: <value> <unit> | target <target> | naive <value> <unit> | <ratio>
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIGURE_PREFIX = "FIGURE "


@dataclass(frozen=True)
class Figure:
    key: str
    value: float
    unit: str
    target: str
    naive: float | None = None
    ratio: str = ""

    def line(self) -> str:
        naive = f"{_number(self.naive)} {self.unit}" if self.naive is not None else "-"
        return (f"{FIGURE_PREFIX}{self.key}: {_number(self.value)} {self.unit} | target "
                f"{self.target} | naive {naive} | {self.ratio or '-'}")


def _number(value: float) -> str:
    if value == int(value) and abs(value) >= 10:
        return f"{int(value):,}"
    return f"{value:.3g}" if abs(value) < 100 else f"{value:,.0f}"


def report(figure: Figure) -> None:
    print(figure.line(), flush=True)


def parse_figure(line: str) -> dict[str, str] | None:
    """A printed figure line back as its parts (for the summary table)."""
    if not line.startswith(FIGURE_PREFIX):
        return None
    key, _, rest = line[len(FIGURE_PREFIX):].partition(": ")
    parts = [p.strip() for p in rest.split(" | ")]
    if len(parts) != 4:
        return None
    return {"key": key, "value": parts[0], "target": parts[1].removeprefix("target "),
            "naive": parts[2].removeprefix("naive "), "ratio": parts[3]}


def quick_arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes, so a test can run the script in about a second "
                             "(its figures mean nothing)")
    return parser


def median_seconds(action: Callable[[], Any], repeats: int) -> float:
    """Median wall time of ``repeats`` calls: one slow outlier (GC, a noisy neighbour) does
    not move it, and ``perf_counter`` is the clock with the finest resolution."""
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def rss_bytes() -> int:
    """Resident memory now (Linux ``/proc``)."""
    return _status_kib("VmRSS") * 1024


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def reset_peak_rss() -> bool:
    """Make the kernel's peak-RSS mark (VmHWM) start again from now; False when it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_bytes() -> int:
    return _status_kib("VmHWM") * 1024


def in_child(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``work`` in a forked child and return its JSON-able answer.

    Memory is measured per child, so one measurement's freed heap (Python keeps arenas) never
    hides or inflates the next one's peak.
    """
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(reader)
        code = 0
        try:
            answer = json.dumps(work()).encode()
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            answer = json.dumps({"error": repr(exc)}).encode()
            code = 1
        with os.fdopen(writer, "wb") as pipe:
            pipe.write(answer)
        sys.stdout.flush()
        os._exit(code)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        raw = pipe.read()
    os.waitpid(pid, 0)
    result = json.loads(raw or b'{"error": "the child died without an answer"}')
    if "error" in result:
        raise RuntimeError(f"benchmark child failed: {result['error']}")
    return result
