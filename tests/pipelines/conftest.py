"""A served emulator with distinctive secrets, and a runner for the recipes' own shell steps.

The recipes' ``run:`` blocks are executed as written (bash, ``-eo pipefail`` like GitHub's
``shell: bash``), so a test failing here means a team copying the recipe would fail too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from ruamel.yaml import YAML

from tests.e2e.conftest import EXAMPLE
from tests.served_process import CALLBOARD, emulator_process

REPO = Path(__file__).parents[2]
WORKFLOWS = REPO / "examples" / "github-actions" / "workflows"
TOKEN = "tok-PIPELINE-7f3a9c1e"
PASSWORD = "pw-PIPELINE-b81d44"


def load_yaml(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text())


@dataclass
class Emulator:
    base: str
    process: subprocess.Popen[str]

    @property
    def env(self) -> dict[str, str]:
        return {"PROSPECT2_URL": f"{self.base}/api/3", "PROSPECT2_API_TOKEN": TOKEN,
                "TESSITURA_URL": f"{self.base}/TessituraService", "TESSITURA_USER": "callboard",
                "TESSITURA_USERGROUP": "admin", "TESSITURA_LOCATION": "emulator",
                "TESSITURA_PASSWORD": PASSWORD}

    def prospect2(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        answer = httpx.request(method, f"{self.base}/api/3{path}",
                               headers={"Api-Token": TOKEN}, timeout=10, **kwargs)
        answer.raise_for_status()
        return answer

    def edit_tag(self, name: str, description: str) -> None:
        """An out-of-band edit, as a person in Prospect2's UI would make it."""
        tags = self.prospect2("GET", "/tags", params={"search": name}).json()["tags"]
        [tag] = [t for t in tags if t["tag"] == name]
        self.prospect2("PUT", f"/tags/{tag['id']}", json={"tag": {
            "tag": name, "tagType": tag.get("tagType", "contact"), "description": description}})


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with emulator_process(seed="demo", token=TOKEN, password=PASSWORD) as (base, process):
        yield Emulator(base, process)


@dataclass
class StepResult:
    code: int
    out: str
    err: str
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class Runner:
    """A checkout of a manifests repository, with the secrets a workflow would get."""

    root: Path
    emulator: Emulator

    def env(self) -> dict[str, str]:
        bin_dir = str(Path(sys.executable).parent)
        return {**os.environ, **self.emulator.env, "PATH": f"{bin_dir}:{os.environ['PATH']}",
                "CALLBOARD_STATE": str(self.root / "team-state.db")}

    def step(self, workflow: str, step_id: str) -> StepResult:
        """Run one ``run:`` step of a workflow, with the workflow's literal env."""
        document = load_yaml(WORKFLOWS / workflow)
        [job] = document["jobs"].values()
        [step] = [s for s in job["steps"] if s.get("id") == step_id]
        literal = {k: str(v) for k, v in document.get("env", {}).items() if "${{" not in str(v)}
        outputs = self.root / f"github-output-{step_id}"
        outputs.write_text("")
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               step["run"]], cwd=self.root, text=True, capture_output=True,
                              env={**self.env(), **literal, "GITHUB_OUTPUT": str(outputs)},
                              timeout=180)
        pairs = [line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line]
        return StepResult(done.returncode, done.stdout, done.stderr, dict(pairs))

    def callboard(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*CALLBOARD, *args], cwd=self.root, text=True,
                              capture_output=True, env={**self.env(), "NO_COLOR": "1"},
                              timeout=180)


@pytest.fixture
def runner(emulator: Emulator, tmp_path: Path) -> Runner:
    httpx.post(f"{emulator.base}/_emulator/reset", json={"seed": "demo"}, timeout=10)
    shutil.copytree(EXAMPLE, tmp_path / "manifests")
    return Runner(tmp_path, emulator)
