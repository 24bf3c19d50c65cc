"""Commands that only look never create a state: ``plan`` in a fresh directory leaves no
``.callboard/`` behind (issue 9: read-only commands created an empty state file and folder).
The CLI runs in this process against a served emulator, as it would on a laptop (no sandbox,
whose emulated data lives under ``.callboard/`` by design)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.cli.main import main
from tests.e2e.conftest import EXAMPLE, Served

LOOKING = [
    (["validate"], 0),
    (["plan"], 0),
    (["plan", "--out", "first.cbplan", "--refresh-only"], 0),
    (["drift"], 2),  # unmanaged live objects
    (["state", "list"], 0),
    (["state", "show", "tags.members-active"], 1),  # not in state (yet)
    (["output", "tags.members-active", "name"], 1),
    (["sync", "log"], 0),
    (["sync", "preview", "members"], 1),
    (["--state", "team/state.db", "plan"], 0),
]


def test_looking_in_a_fresh_directory_creates_nothing(
        served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    served.control("reset", {"seed": "demo"})
    shutil.copytree(EXAMPLE, tmp_path / "manifests")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CALLBOARD_STATE", raising=False)
    for name, value in served.env.items():
        monkeypatch.setenv(name, value)
    for command, code in LOOKING:
        assert main(["--no-color", *command]) == code, (command, capsys.readouterr())
        assert "internal error" not in capsys.readouterr().err
        assert sorted(p.name for p in tmp_path.iterdir()) in (
            ["manifests"], ["first.cbplan", "manifests"]), command
