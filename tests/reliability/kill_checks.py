"""``kill -9`` at a random point of ``apply`` and of ``sync run``, then the same command again.

A pipeline runner can be killed anywhere (a cancelled job, an OOM kill, a lost VM). The next
run must finish the job with nothing lost, nothing doubled, and at most one unit of work sent
twice: the one change or import batch that was in flight when the process died.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from pathlib import Path

from tests.reliability.figures import Figure, figure
from tests.reliability.served import NO_FAULTS, Emulator, Workspace, wait_for

IMPORTS = "POST /api/3/import/bulk_import"
SYNC_TAG = "Member - Active"
BATCH = 25
#: The example's members sync: its list, and the purpose its tag stands for (trigger
#: webhooks): "Season Announcements".
MEMBERS_LIST, PURPOSE = 101, 2


def unlock(workspace: Workspace) -> None:
    """The killed run could not release the state lock; clear it as an operator would."""
    forced = workspace.run("state", "unlock", "--force")
    if forced.returncode != 0 and "No such option" in forced.stderr:  # an unlock that never asks
        workspace.run("state", "unlock")


def _kill_after(workspace: Workspace, process: subprocess.Popen[str], journal: str,
                lock: str, finished: int, pause: float) -> str:
    """SIGKILL once the lock is held and ``finished`` units are journaled, ``pause`` later."""
    wait_for(lambda: process.poll() is not None or (
        len(workspace.rows(journal)) >= finished and bool(workspace.rows(lock))), timeout=120)
    time.sleep(pause)
    if process.poll() is not None:
        return "finished before the kill"
    process.send_signal(signal.SIGKILL)
    process.wait()
    return "killed"


def killed_applies(emulator: Emulator, root: Path, trials: int, seed: int = 6,
                   files: tuple[str, ...] | None = None) -> Figure:
    rng = random.Random(seed)
    reference = Workspace.fresh(root / "reference", emulator, files)
    before = emulator.writes()
    done = reference.run("apply", "--auto-approve", "--parallelism", "1")
    reference_writes = emulator.writes() - before
    changes = len(reference.rows("SELECT address FROM resources"))
    problems: list[str] = [] if done.returncode == 0 else [f"reference apply: {done.stderr}"]
    resent: list[int] = []
    killed = 0
    for trial in range(trials):
        workspace = Workspace.fresh(root / f"apply-{trial}", emulator, files)
        emulator.control("faults", {"latency_ms": 20})
        start = emulator.writes()
        process = workspace.popen("apply", "--auto-approve", "--parallelism", "1")
        at = rng.randrange(0, max(1, changes))
        outcome = _kill_after(workspace, process, "SELECT address FROM apply_journal",
                              "SELECT holder FROM lock", at, rng.uniform(0, 0.06))
        killed += outcome == "killed"
        emulator.control("faults", NO_FAULTS)
        unlock(workspace)
        again = workspace.run("apply", "--auto-approve")
        sent = emulator.writes() - start - reference_writes
        resent.append(sent)
        clean = workspace.run("plan", "--detailed-exitcode")
        doubled = {n: c for n, c in emulator.tag_names().items() if c > 1}
        if again.returncode != 0:
            problems.append(f"trial {trial}: re-run failed: {again.stderr.strip()[-300:]}")
        if clean.returncode != 0:
            problems.append(f"trial {trial}: live != desired after re-run:\n{clean.stdout}")
        if doubled:
            problems.append(f"trial {trial}: doubled tags {doubled}")
        if sent > 1:
            problems.append(f"trial {trial}: {sent} writes resent (killed after change {at})")
    return figure("kill -9 apply", trials,
                  f"{trials} trials ({killed} killed mid-run), {len(problems)} failed, "
                  f"max {max(resent, default=0)} change resent, live == desired", problems)


def _tagged(emulator: Emulator, tag: str) -> set[str]:
    tags = emulator.prospect2("GET", "/tags?limit=100&search=" + tag).json()["tags"]
    tag_id = next(t["id"] for t in tags if t["tag"] == tag)
    found: set[str] = set()
    offset = 0
    while True:
        page = emulator.prospect2(
            "GET", f"/contacts?tagid={tag_id}&limit=100&offset={offset}").json()["contacts"]
        found |= {c["email"].lower() for c in page}
        if len(page) < 100:
            return found
        offset += 100


def killed_sync_runs(emulator: Emulator, root: Path, trials: int, seed: int = 7,
                     files: tuple[str, ...] | None = None) -> Figure:
    rng = random.Random(seed)
    reference = Workspace.fresh(root / "sync-reference", emulator, files)
    reference.run("apply", "--auto-approve")
    reference.run("sync", "run", "members", "--batch-size", str(BATCH))
    expected = _tagged(emulator, SYNC_TAG)
    # the imports, then one purpose batch (1,000 addresses a call): a kill may hit either
    batches = -(-len(expected) // BATCH) + 1
    problems: list[str] = []
    resent: list[int] = []
    killed = 0
    for trial in range(trials):
        workspace = Workspace.fresh(root / f"sync-{trial}", emulator, files)
        workspace.run("apply", "--auto-approve")
        imports_before = emulator.count(IMPORTS)
        emulator.control("faults", {"latency_ms": 20})
        process = workspace.popen("sync", "run", "members", "--batch-size", str(BATCH))
        at = rng.randrange(0, batches)
        outcome = _kill_after(workspace, process, "SELECT batch_no FROM sync_batch_journal",
                              "SELECT holder FROM sync_lock", at, rng.uniform(0, 0.05))
        killed += outcome == "killed"
        emulator.control("faults", NO_FAULTS)
        again = workspace.run("sync", "run", "members", "--batch-size", str(BATCH))
        log = json.loads(workspace.run("sync", "log", "members", "--format", "json").stdout)
        added = sum(r["added"] for r in log["runs"] if r["status"] == "succeeded")
        sent = emulator.count(IMPORTS) - imports_before
        resent.append(sent - -(-added // BATCH))
        if again.returncode != 0:
            problems.append(f"trial {trial}: re-run failed: {again.stderr.strip()[-300:]}")
        tagged = _tagged(emulator, SYNC_TAG)
        if tagged != expected:
            problems.append(f"trial {trial}: tagged contacts differ from an uninterrupted run")
        missing = tagged - emulator.holding_purpose(MEMBERS_LIST, PURPOSE)
        if missing:
            problems.append(f"trial {trial}: {len(missing)} tagged addresses lack the tag's "
                            "purpose in Tessitura")
        if sent > -(-added // BATCH) + 1:
            problems.append(f"trial {trial}: {sent} imports for {added} contacts")
    return figure("kill -9 sync run", trials,
                  f"{trials} trials ({killed} killed mid-run), {len(problems)} failed, "
                  f"max {max(resent, default=0)} batch resent, live == desired, purposes "
                  "follow the tag", problems)
