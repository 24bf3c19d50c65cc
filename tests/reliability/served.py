"""A served emulator with chosen credentials, and CLI subprocesses in throwaway workspaces.

The kill, lock and secret checks need real processes (a real ``kill -9``, two real runners,
real log output); the soak run uses this outside pytest, so nothing here is a fixture.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import EXAMPLE
from tests.served_process import CALLBOARD, emulator_process

NO_FAULTS = {"latency_ms": 0, "error_rate": 0.0, "rate_429": 0.0, "enforce_rate_limit": False}
WRITE_METHODS = ("POST ", "PUT ", "PATCH ", "DELETE ")


@dataclass
class Emulator:
    base: str
    process: subprocess.Popen[str]
    token: str = "emulator-token"
    password: str = "emulator"

    @property
    def env(self) -> dict[str, str]:
        return {"PROSPECT2_URL": f"{self.base}/api/3", "PROSPECT2_API_TOKEN": self.token,
                "TESSITURA_URL": f"{self.base}/TessituraService",
                "TESSITURA_USER": "callboard", "TESSITURA_USERGROUP": "admin",
                "TESSITURA_LOCATION": "emulator", "TESSITURA_PASSWORD": self.password}

    def control(self, route: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        if body is None:
            answer = httpx.get(f"{self.base}/_emulator/{route}", timeout=30)
        else:
            answer = httpx.post(f"{self.base}/_emulator/{route}", json=body, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def prospect2(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.base}/api/3{path}",
                             headers={"Api-Token": self.token}, timeout=30, **kwargs)

    def tessitura(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.base}/TessituraService{path}",
                             auth=("callboard:admin:emulator", self.password), timeout=30,
                             **kwargs)

    def holding_purpose(self, list_id: int, purpose: int) -> set[str]:
        """Addresses of the list's members that hold ``purpose`` in Tessitura now."""
        members = [r["ConstituentId"] for r in
                   self.tessitura("GET", f"/Reporting/Lists/{list_id}/Contents").json()]
        held: set[str] = set()
        for start in range(0, len(members), 1000):
            rows = self.tessitura("POST", "/Custom/Execute", json={
                "ProcedureName": "LP_CALLBOARD_SYNC_EXPORT", "ParameterValues": [
                    {"Name": "@constituent_ids",
                     "Value": ",".join(map(str, members[start:start + 1000]))}]}).json()
            held |= {r["Address"].strip().lower() for r in rows
                     if str(purpose) in str(r.get("PurposeIds") or "").split(",")}
        return held

    def writes(self) -> int:
        """Write requests the services have seen (control routes are not counted, nor the
        procedure pack's version check, a read that Tessitura only serves through POST)."""
        stats = self.control("stats")
        return sum(n for route, n in stats["requests"].items()
                   if route.startswith(WRITE_METHODS) and "/_emulator/" not in route
                   ) - int(stats.get("procedures", {}).get("LP_CALLBOARD_VERSION", 0))

    def count(self, route: str) -> int:
        return int(self.control("stats")["requests"].get(route, 0))

    def tag_names(self) -> Counter[str]:
        names: Counter[str] = Counter()
        offset = 0
        while True:
            page = self.prospect2("GET", f"/tags?limit=100&offset={offset}").json()
            names.update(t["tag"] for t in page["tags"])
            offset += 100
            if offset >= int(page["meta"]["total"]):
                return names


@contextmanager
def served_emulator(*, token: str = "emulator-token", password: str = "emulator",
                    seed: str = "demo") -> Iterator[Emulator]:
    with emulator_process(seed=seed, token=token, password=password) as (base, process):
        yield Emulator(base, process, token, password)


@dataclass
class Workspace:
    """A directory with the example manifests and its own SQLite state, like a CI checkout."""

    root: Path
    emulator: Emulator

    @classmethod
    def fresh(cls, root: Path, emulator: Emulator,
              files: tuple[str, ...] | None = None) -> Workspace:
        """The emulator back at its seed and the example manifests (only ``files`` if given;
        CI keeps runs small, the soak run uses everything)."""
        emulator.control("reset", {"seed": "demo"})
        if root.exists():
            shutil.rmtree(root)
        shutil.copytree(EXAMPLE, root / "manifests")
        for path in (root / "manifests").glob("*.yaml"):
            if files is not None and path.name not in (*files, "callboard.yaml"):
                path.unlink()
        return cls(root, emulator)

    @property
    def state_db(self) -> Path:
        return self.root / ".callboard" / "state.db"

    def _env(self, extra: dict[str, str] | None) -> dict[str, str]:
        full = {**os.environ, **self.emulator.env, "NO_COLOR": "1", **(extra or {})}
        full.pop("CALLBOARD_STATE", None)
        return full

    def run(self, *args: str, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*CALLBOARD, *args], cwd=self.root, env=self._env(env), text=True,
                              capture_output=True, timeout=timeout)

    def popen(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen([*CALLBOARD, *args], cwd=self.root, env=self._env(env),
                                text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows from the state file, or none while it does not exist or is busy."""
        if not self.state_db.exists():
            return []
        try:
            with sqlite3.connect(self.state_db, timeout=1) as conn:
                return conn.execute(sql).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such" in str(exc):  # a query the schema moved away from: never "no rows"
                raise
            return []


def wait_for(condition: Any, timeout: float = 60, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False
