"""README's demo command, run literally as a subprocess in a fresh copy of the project."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.fresh_install import ROOT, copy_project, fresh_venv


def readme_command(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"<!-- {marker} -->\s*```sh\n(.+?)\n```", text)
    assert match, f"README has no {marker} block"
    return match.group(1).strip()


def test_ci_runs_the_readme_test_command() -> None:
    assert readme_command("test-command") in (ROOT / ".ci" / "run").read_text()


def test_readme_demo_command_exits_zero(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "callboard")
    # A venv that sees the already-installed dependencies, so the test needs no download
    # beyond pip's build backend; the command itself is README's, unchanged.
    env = fresh_venv(tmp_path / "venv")
    result = subprocess.run(readme_command("demo-command"), shell=True, cwd=project, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Demo complete." in result.stdout
    assert "changed outside Callboard" in result.stdout
    assert sys.executable  # the test ran under the suite's interpreter
