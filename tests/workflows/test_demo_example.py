"""Which manifests ``callboard demo`` runs: the shipped example, unless ``-m`` says otherwise.

CALLBOARD_MANIFESTS names a user's own organization, on which the demo's steps (the members
sync, a CSI webhook) would fail; only ``-m DIR`` on the command line replaces the example.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli.main import main


def test_demo_runs_the_example_whatever_callboard_manifests_says(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    mine = tmp_path / "my-org"
    mine.mkdir()
    (mine / "tags.yaml").write_text("tags: {only-mine: {}}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CALLBOARD_MANIFESTS", str(mine))
    assert main(["--no-color", "demo"]) == 0
    out = capsys.readouterr().out
    assert "Demo complete." in out
    assert "only-mine" not in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-org"]


def test_demo_with_m_runs_those_manifests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--no-color", "-m", "nowhere", "demo"]) == 1
    assert capsys.readouterr().err == f"Error: no manifest directory {tmp_path / 'nowhere'}\n"


def test_demo_leaves_the_users_state_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CALLBOARD_STATE", str(tmp_path / "production.db"))
    assert main(["--no-color", "demo"]) == 0
    assert "Demo complete." in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []
