"""A real ``callboard emulator serve`` subprocess on a free loopback port, and CLI subprocesses
talking to it over TCP exactly as a pipeline would."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.served_process import CALLBOARD, emulator_process

EXAMPLE = Path(__file__).parents[2] / "manifests"


@dataclass
class Served:
    base: str
    process: subprocess.Popen[str]

    @property
    def env(self) -> dict[str, str]:
        return {
            "PROSPECT2_URL": f"{self.base}/api/3",
            "PROSPECT2_API_TOKEN": "emulator-token",
            "TESSITURA_URL": f"{self.base}/TessituraService",
            "TESSITURA_USER": "callboard",
            "TESSITURA_USERGROUP": "admin",
            "TESSITURA_LOCATION": "emulator",
            "TESSITURA_PASSWORD": "emulator",
        }

    def control(self, route: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        if body is None:
            answer = httpx.get(f"{self.base}/_emulator/{route}", timeout=10)
        else:
            answer = httpx.post(f"{self.base}/_emulator/{route}", json=body, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def prospect2(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.base}/api/3{path}",
                             headers={"Api-Token": "emulator-token"}, timeout=10, **kwargs)


@pytest.fixture(scope="session")
def served() -> Iterator[Served]:
    with emulator_process(seed="demo") as (base, process):
        yield Served(base, process)


@dataclass
class Workspace:
    root: Path
    served: Served

    def run(self, *args: str, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        full = {**os.environ, **self.served.env, "NO_COLOR": "1", **(env or {})}
        full.pop("CALLBOARD_STATE", None)
        return subprocess.run([*CALLBOARD, *args], cwd=self.root, env=full, text=True,
                              capture_output=True, timeout=timeout)

    def only_examples(self, *names: str) -> None:
        """Keep only these files of the example organization as the manifests."""
        manifests = self.root / "manifests"
        shutil.rmtree(manifests)
        manifests.mkdir()
        for name in names:
            shutil.copy(EXAMPLE / name, manifests / name)

    def popen(self, *args: str) -> subprocess.Popen[str]:
        full = {**os.environ, **self.served.env, "NO_COLOR": "1"}
        return subprocess.Popen([*CALLBOARD, *args], cwd=self.root, env=full, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture
def workspace(served: Served, tmp_path: Path) -> Iterator[Workspace]:
    served.control("reset", {"seed": "demo"})
    shutil.copytree(EXAMPLE, tmp_path / "manifests")
    yield Workspace(tmp_path, served)
    served.control("faults", {"latency_ms": 0, "error_rate": 0.0, "rate_429": 0.0,
                              "enforce_rate_limit": False})
