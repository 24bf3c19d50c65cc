"""Driving the CLI in-process in a sandbox: a temp directory with the example manifests."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.cli.main import main
from providers.emulator_host import build_emulator_app

EXAMPLE = Path(__file__).parents[2] / "manifests"


@dataclass
class Result:
    code: int
    out: str
    err: str


class Sandbox:
    """A working directory whose ``callboard --sandbox`` runs share one emulated organization."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.capsys = capsys
        self.manifests = root / "manifests"
        shutil.copytree(EXAMPLE, self.manifests)

    def run(self, *args: str) -> Result:
        self.capsys.readouterr()
        code = main(["--sandbox", "--no-color", *args])
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def api(self, method: str, path: str, json: Any = None) -> httpx.Response:
        """Talk to the sandbox's emulated APIs as a person in the UI would (out of band)."""
        async def call() -> httpx.Response:
            app = build_emulator_app(seed="demo", data_dir=str(self.root / ".callboard/sandbox"))
            transport = httpx.ASGITransport(app=app)
            headers = {"Api-Token": "emulator-token"}
            async with httpx.AsyncClient(transport=transport, base_url="http://sandbox",
                                         headers=headers) as client:
                return await client.request(method, path, json=json)
        return asyncio.run(call())

    def tag_id(self, name: str) -> str:
        tags = self.api("GET", f"/api/3/tags?search={name}").json()["tags"]
        return next(t["id"] for t in tags if t["tag"] == name)


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> Sandbox:
    monkeypatch.chdir(tmp_path)
    for var in ("CALLBOARD_STATE", "CALLBOARD_MANIFESTS", "NO_COLOR", "CALLBOARD_SMTP_URL"):
        monkeypatch.delenv(var, raising=False)
    return Sandbox(tmp_path, capsys)
