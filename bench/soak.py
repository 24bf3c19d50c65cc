"""The reliability battery's long run: every check of issue 6 at its soak size, with figures.

    python -m bench.soak [--quick]

Writes the figures to ``bench/RELIABILITY.md``. The checks live in ``tests/reliability/``
(CI runs them at their short size); this runs them longer. Four workers run at once, each in
its own interpreter with its own served emulator, because most checks wait on the Prospect2
client's 5 requests/second pacing rather than on a CPU; the generated-manifest check is the
one that keeps a core busy. Under 20 minutes on 2 cores; ``--quick`` takes about a minute
(figures too small to mean anything, but every check runs).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.reliability.served import Emulator

REPO = Path(__file__).resolve().parent.parent
REPORT = REPO / "bench" / "RELIABILITY.md"
#: Long-run sizes (issue 6's "long run" column), and ``--quick`` ones.
SIZES = {
    "faults": (100, 3), "kill_apply": (50, 2), "kill_sync": (50, 2),
    "bad_manifests": (10_000, 50), "lock_pairs": (10, 1),
}
WORKERS = ("manifests", "kill-apply", "kill-sync", "rest")
FIGURE_PREFIX = "SOAK-FIGURE "


def _size(name: str, quick: bool) -> int:
    long_run, short = SIZES[name]
    return short if quick else long_run


def _emit(found: object) -> None:
    print(FIGURE_PREFIX + json.dumps(asdict(found)), flush=True)  # type: ignore[call-overload]


def run_worker(worker: str, quick: bool) -> None:
    """One group of checks, in this process; figures go to stdout as JSON lines."""
    logging.disable(logging.WARNING)  # retries under injected faults are expected, not news
    from tests.reliability.bad_manifests import generated_bad_manifests
    from tests.reliability.fault_checks import runs_under_faults
    from tests.reliability.kill_checks import killed_applies, killed_sync_runs
    from tests.reliability.lock_checks import concurrent_runs
    from tests.reliability.safety_checks import empty_list_refused, stale_plan_refused
    from tests.reliability.secret_checks import PASSWORD, TOKEN, secrets_stay_secret
    from tests.reliability.served import served_emulator

    with tempfile.TemporaryDirectory(prefix=f"soak-{worker}-") as scratch:
        root = Path(scratch)
        if worker == "manifests":
            _emit(generated_bad_manifests(_size("bad_manifests", quick), seed=10_000))
        elif worker == "kill-apply":
            with served_emulator() as emulator:
                _emit(killed_applies(emulator, root, _size("kill_apply", quick), seed=60))
        elif worker == "kill-sync":
            with served_emulator() as emulator:
                _emit(killed_sync_runs(emulator, root, _size("kill_sync", quick), seed=70,
                                       files=("tags.yaml", "data_syncs.yaml")))
        else:
            _emit(runs_under_faults(_size("faults", quick), seed=100))
            with served_emulator(token=TOKEN, password=PASSWORD) as emulator:
                _emit(concurrent_runs(emulator, root, _size("lock_pairs", quick)))
                _postgresql_locks(emulator, root, _size("lock_pairs", quick))
                _emit(secrets_stay_secret(emulator, root))
            _emit(empty_list_refused())
            _emit(stale_plan_refused())


def _postgresql_locks(emulator: Emulator, root: Path, pairs: int) -> None:
    """The lock races again on a throwaway PostgreSQL cluster, when one can be started."""
    from tests.pg import start_cluster
    from tests.reliability.figures import figure
    from tests.reliability.lock_checks import concurrent_runs

    try:
        cluster = start_cluster()
    except BaseException as exc:  # noqa: BLE001 - pytest's skip is a BaseException
        if isinstance(exc, KeyboardInterrupt):
            raise
        _emit(figure("concurrent runs (postgresql)", 0, f"not run: {exc}", []))
        return
    try:
        _emit(concurrent_runs(emulator, root, pairs, cluster.new_database,
                              backend="postgresql"))
    finally:
        cluster.stop()


def run_all(quick: bool) -> list[dict[str, object]]:
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    workers = {name: subprocess.Popen(
        [sys.executable, "-m", "bench.soak", "--worker", name, *(["--quick"] if quick else [])],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in WORKERS}
    figures: list[dict[str, object]] = []
    for name, process in workers.items():
        out, err = process.communicate()
        seconds = time.perf_counter() - started
        found = [json.loads(line.removeprefix(FIGURE_PREFIX)) for line in out.splitlines()
                 if line.startswith(FIGURE_PREFIX)]
        for figure in found:
            figure["worker_seconds"] = round(seconds)
            print(f"{figure['check']}: {figure['text']} [{'ok' if figure['ok'] else 'FAILED'}]",
                  flush=True)
        if process.returncode != 0:
            figures.append({"check": f"worker {name}", "runs": 0, "ok": False,
                            "text": f"crashed with exit {process.returncode}",
                            "problems": [err.strip()[-2000:]], "worker_seconds": round(seconds)})
        figures += found
    total = time.perf_counter() - started
    figures.append({"check": "total", "runs": 0, "ok": True, "problems": [],
                    "text": f"{total / 60:.1f} minutes", "worker_seconds": round(total)})
    return figures


def write_report(figures: list[dict[str, object]], quick: bool) -> None:
    when = datetime.now(UTC).isoformat(timespec="minutes")
    lines = [
        "# Reliability figures",
        "",
        "Written by `python -m bench.soak` (the long run of issue 6's reliability battery); "
        "CI runs the same checks at their short size in `tests/reliability/`. "
        "Do not edit by hand.",
        "",
        f"- run: {when}{' with --quick (sizes too small to mean anything)' if quick else ''}",
        f"- machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()}",
        "",
        "| check | runs | figure | verdict |",
        "|---|---|---|---|",
    ]
    for figure in figures:
        if figure["check"] == "total":
            continue
        verdict = "green" if figure["ok"] else "**red**"
        lines.append(f"| {figure['check']} | {figure['runs']} | {figure['text']} | {verdict} |")
    total = next(f for f in figures if f["check"] == "total")
    lines += ["", f"Wall time: {total['text']} (four workers at once).", ""]
    problems = [(f["check"], p) for f in figures for p in f["problems"]]  # type: ignore[attr-defined]
    if problems:
        lines += ["## Problems found", ""]
        lines += [f"- {check}: {str(p).splitlines()[0][:300]}" for check, p in problems[:40]]
        lines.append("")
    REPORT.write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes; checks the script")
    parser.add_argument("--worker", choices=WORKERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args.worker, args.quick)
        return
    figures = run_all(args.quick)
    write_report(figures, args.quick)
    print(f"figures written to {REPORT.relative_to(REPO)}")
    if not all(f["ok"] for f in figures):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
