"""Run one of the recipes' scripts as a CI step would: a subprocess, its outputs in a file."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).parents[2]
GITHUB_SCRIPTS = REPO / "examples" / "github-actions" / ".github" / "callboard"
GITLAB_SCRIPTS = REPO / "examples" / "gitlab-ci" / ".gitlab" / "callboard"


@dataclass
class ScriptResult:
    code: int
    out: str
    err: str
    outputs: dict[str, str]


def read_outputs(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def job_texts(jobs: Iterable[Any]) -> str:
    """Everything jobs printed, and every file they left in their workspaces (to look for
    secrets where a CI log or artifact would show them)."""
    parts = []
    for job in jobs:
        parts.append(job.log)
        if job.workspace:
            parts += [p.read_text(errors="replace") for p in job.workspace.glob("*")
                      if p.is_file()]
    return "\n".join(parts)


def run_script(script: Path, args: list[str], env: dict[str, str], cwd: Path,
               outputs_var: str = "GITHUB_OUTPUT") -> ScriptResult:
    outputs = cwd / f"outputs-{script.stem}"
    outputs.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, str(script), *args], cwd=cwd, text=True,
                          capture_output=True, timeout=120,
                          env={**os.environ, **env, outputs_var: str(outputs)})
    return ScriptResult(done.returncode, done.stdout, done.stderr, read_outputs(outputs))
