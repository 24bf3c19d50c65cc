"""Two runners at once on one state: exactly one proceeds, the other names the holder.

CI fires ``apply`` on merge and ``sync run --due`` from cron, often from several runners; the
second writer must stop before touching anything and say who holds the lock, so a person can
tell a live run from a stale one. The state backend is given as a ``--state`` URL (a SQLite
path, or a PostgreSQL URL where that backend exists).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.reliability.figures import Figure, figure
from tests.reliability.served import NO_FAULTS, Emulator, Workspace, wait_for

SYNC_FILES = ("tags.yaml", "custom_fields.yaml", "data_syncs.yaml")


def _race(workspace: Workspace, emulator: Emulator, command: list[str],
          state: list[str]) -> str | None:
    """Start ``command`` twice, the second once the first is writing; what went wrong.

    While the second starts, every request takes a second, so the first (with work left)
    still holds its lock however slowly the second interpreter starts on a busy machine.
    """
    before = emulator.writes()
    emulator.control("faults", {"latency_ms": 60})
    first = workspace.popen(*state, *command)
    try:
        if not wait_for(lambda: emulator.writes() > before or first.poll() is not None, 60):
            return "the first run never started writing"
        emulator.control("faults", {"latency_ms": 1000})
        if first.poll() is not None:
            return f"the first run ended before the second started: {first.communicate()[1]}"
        second = workspace.run(*state, *command)
    finally:
        emulator.control("faults", NO_FAULTS)
        out, err = first.communicate(timeout=300)
    holder = f"pid {first.pid}"
    if first.returncode != 0:
        return f"the first run failed: {err.strip()[-300:]}"
    if second.returncode != 1:
        return f"the second run exited {second.returncode}: {second.stdout[-300:]}"
    if holder not in second.stderr or "Traceback" in second.stderr:
        return f"the second run's error does not name the holder ({holder}): {second.stderr}"
    return None


def concurrent_runs(emulator: Emulator, root: Path, pairs: int,
                    new_state: Callable[[], str] | None = None,
                    backend: str = "sqlite") -> Figure:
    """``pairs`` races of two applies and ``pairs`` of two ``sync run members``, each pair
    on an empty state: the workspace's own SQLite file, or ``new_state()``'s URL."""
    problems: list[str] = []
    for pair in range(pairs):
        workspace = Workspace.fresh(root / f"{backend}-{pair}", emulator, SYNC_FILES)
        state = ["--state", new_state()] if new_state else []
        found = _race(workspace, emulator, ["apply", "--auto-approve", "--parallelism", "1"],
                      state)
        if found:
            problems.append(f"apply pair {pair}: {found}")
        found = _race(workspace, emulator, ["sync", "run", "members", "--batch-size", "5"],
                      state)
        if found:
            problems.append(f"sync run pair {pair}: {found}")
    return figure(f"concurrent runs ({backend})", 2 * pairs,
                  f"{pairs} apply pairs + {pairs} sync run pairs: "
                  f"{2 * pairs - len(problems)} with exactly one proceeding and the other "
                  "naming the holder", problems)

