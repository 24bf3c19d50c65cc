"""Pressing Ctrl-C at a CLI process at the moment a user would: when a line appears, or when
the state shows that part of the work is recorded."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.conftest import Served, Workspace


@dataclass
class Finished:
    code: int
    out: str
    err: str


class Watched:
    """A ``callboard`` subprocess whose output is collected line by line as it comes."""

    def __init__(self, workspace: Workspace, *args: str) -> None:
        self.process = workspace.popen(*args)
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(stream, lines), daemon=True)
                         for stream, lines in ((self.process.stdout, self.out),
                                               (self.process.stderr, self.err))]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: object, lines: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.append(line)

    def wait_until(self, ready: Callable[[], bool], timeout: float = 60) -> None:
        """Return once ``ready()``; fail if the process ends (or time runs out) first."""
        deadline = time.monotonic() + timeout
        while not ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise AssertionError(f"never got there: {''.join(self.out)}{''.join(self.err)}")
            time.sleep(0.01)

    def ctrl_c(self, times: int = 1) -> None:
        for _ in range(times):
            self.process.send_signal(signal.SIGINT)
            time.sleep(0.02)  # long enough for the handler to run, shorter than a request

    def finish(self, timeout: float = 60) -> Finished:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        for reader in self._readers:
            reader.join(timeout=5)
        return Finished(code, "".join(self.out), "".join(self.err))


def count_rows(db: Path, query: str) -> int:
    """A number from the state file, read the way an operator would (sqlite3, read-only)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            row = conn.execute(query).fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0] or 0) if row else 0


def live_names(served: Served, path: str, key: str, field: str) -> list[str]:
    """Every live object's name under a Prospect2 list route (one page of 100 is enough)."""
    answer = served.prospect2("GET", path, params={"limit": 100})
    answer.raise_for_status()
    return [str(row[field]) for row in answer.json()[key]]


def tagged(served: Served, tag: str) -> list[str]:
    """The email addresses carrying ``tag`` in Prospect2 (duplicates kept, to catch doubles)."""
    tag_id = next(t["id"] for t in served.prospect2("GET", "/tags", params={
        "limit": 100, "search": tag}).json()["tags"] if t["tag"] == tag)
    found: list[str] = []
    offset = 0
    while True:
        page = served.prospect2("GET", "/contacts", params={
            "tagid": tag_id, "limit": 100, "offset": offset}).json()["contacts"]
        found += [c["email"].lower() for c in page]
        if len(page) < 100:
            return found
        offset += 100
