"""``pipx install .`` on a fresh machine: the wheel alone runs the demo from any directory.

The wheel is built from a clean copy of the project that is deleted before anything runs, and
installed into an empty venv with ``--no-index`` (its dependencies are already installed, as
on a machine that has them), so everything the demo needs must be inside the wheel. An
editable install (``pip install -e .``, how a developer works) must find the example too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fresh_install import ROOT, copy_project, fresh_venv

pytestmark = pytest.mark.timeout(600)

EXAMPLE = ROOT / "manifests"


@dataclass
class Installed:
    env: dict[str, str]
    venv: Path

    def callboard(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.venv / "bin" / "callboard"), *args], cwd=cwd,
                              env=self.env, capture_output=True, text=True, timeout=300)


def _pip(env: dict[str, str], venv_dir: Path, *args: str) -> None:
    result = subprocess.run([str(venv_dir / "bin" / "python"), "-m", "pip", *args], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.fixture(scope="module", params=["wheel", "editable"])
def installed(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp(f"install-{request.param}")
    project = copy_project(base / "callboard")
    venv_dir = base / "venv"
    env = fresh_venv(venv_dir)
    if request.param == "wheel":
        wheels = base / "wheels"
        built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                                "-w", str(wheels), str(project)],
                               capture_output=True, text=True, timeout=300)
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        shutil.rmtree(project)
        (wheel,) = wheels.glob("callboard-*.whl")
        _pip(env, venv_dir, "install", "--no-index", str(wheel))
    else:
        _pip(env, venv_dir, "install", "-e", str(project))
    return Installed(env, venv_dir)


def _elsewhere(tmp_path: Path) -> Path:
    """An empty directory outside the repository and the project copy."""
    here = tmp_path / "somewhere"
    here.mkdir()
    assert ROOT not in here.parents
    return here


def test_demo_runs_from_any_directory(installed: Installed, tmp_path: Path) -> None:
    here = _elsewhere(tmp_path)
    result = installed.callboard("demo", cwd=here)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Demo complete." in result.stdout
    assert "changed outside Callboard" in result.stdout
    assert list(here.iterdir()) == [], "the demo left files in the user's directory"


def test_demo_out_writes_the_example_to_start_from(installed: Installed,
                                                   tmp_path: Path) -> None:
    here = _elsewhere(tmp_path)
    result = installed.callboard("demo", "--out", "my-org", cwd=here)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    written = here / "my-org"
    assert f"The example manifests are in {written}" in result.stdout
    example = sorted(p.name for p in EXAMPLE.glob("*.yaml"))
    assert "callboard.yaml" in example
    assert sorted(p.name for p in written.iterdir()) == example
    for name in example:
        assert (written / name).read_text() == (EXAMPLE / name).read_text()

    valid = installed.callboard("--sandbox", "-m", "my-org", "validate", cwd=here)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert "are valid" in valid.stdout


def test_demo_out_never_overwrites(installed: Installed, tmp_path: Path) -> None:
    here = _elsewhere(tmp_path)
    mine = here / "my-org"
    mine.mkdir()
    (mine / "tags.yaml").write_text("tags: {mine: {}}\n")
    result = installed.callboard("demo", "--out", "my-org", cwd=here)
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: --out {mine} already has tags.yaml: nothing was "
                                    "written and the demo did not run")
    assert "Callboard demo in" not in result.stdout
    assert [p.name for p in mine.iterdir()] == ["tags.yaml"]
    assert (mine / "tags.yaml").read_text() == "tags: {mine: {}}\n"
