"""``validate --format github`` annotations and ``--log-format json`` as a CI log sees them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.render.annotations import annotation
from tests.e2e.conftest import CALLBOARD, EXAMPLE


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "manifests")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CALLBOARD_SMTP_URL", raising=False)  # the plan warns without it
    return tmp_path


def test_annotation_escapes_properties_and_message() -> None:
    line = annotation("error", "50% done\nnext: a, b", file="m/a,b:c.yaml", line=4)
    assert line == "::error file=m/a%2Cb%3Ac.yaml,line=4,title=callboard::50%25 done%0Anext: a, b"


def test_validate_github_puts_each_error_on_its_line(checkout: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    tags = checkout / "manifests" / "tags.yaml"
    tags.write_text(tags.read_text().replace(
        "    description: Monthly newsletter readers", "    descripton: Monthly newsletter"))
    capsys.readouterr()
    assert main(["--no-color", "validate", "--format", "github"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "::error file=manifests/tags.yaml,line=5,title=callboard::tags.newsletter.descripton: "
        "unknown field 'descripton' (did you mean 'description'?); allowed: lifecycle, name, "
        "description, contact_point_purpose"]


def test_validate_github_online_warns_on_the_line(checkout: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["--sandbox", "--no-color", "validate", "--online", "--format", "github"]) == 0
    warnings = [x for x in capsys.readouterr().out.splitlines() if x.startswith("::warning")]
    assert warnings == [
        "::warning file=manifests/csi_webhooks.yaml,line=28,title=callboard::"
        "csi_webhooks.survey-reply-logged: activity type 'Survey Reply' is in the category "
        "'Feedback Received', which auto-closes: CSIs will be created closed",
        "::warning file=manifests/data_syncs.yaml,line=19,title=callboard::data_syncs.members: "
        "notify lists 1 address but CALLBOARD_SMTP_URL is not set, so no run summary will be "
        "sent: set it where 'callboard sync run' runs"]


def test_json_logs_of_a_full_sandbox_run_hold_no_secret(checkout: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1", "CALLBOARD_LOG_FORMAT": "json"}
    env.pop("CALLBOARD_STATE", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*CALLBOARD, "--sandbox", "-v", *args], cwd=checkout, env=env,
                              text=True, capture_output=True, timeout=120)

    runs = [run("plan", "--out", "plan.cbplan"), run("apply", "plan.cbplan"),
            run("sync", "run", "members"), run("writeback", "run"), run("drift")]
    assert [r.returncode for r in runs] == [0, 0, 0, 0, 0], [r.stderr[-500:] for r in runs]
    secret_url = run("output", "csi_webhooks.cancellation-feedback", "url").stdout.strip()
    secret = secret_url.rsplit("/", 1)[-1].split("=")[-1]
    records = [json.loads(line) for r in runs for line in r.stderr.splitlines()
               if line.startswith("{")]
    assert len(records) > 10
    assert {"timestamp", "level", "logger", "message"} <= set(records[0])
    assert any(r["logger"].startswith("engine.apply") for r in records)
    logs = "".join(r.stderr for r in runs)
    assert all(line.startswith("{") for r in runs for line in r.stderr.splitlines()
               if line.startswith(("INFO", "DEBUG", "WARNING")))
    for value in ("emulator-token", "Basic ", secret):
        assert len(value) > 5 and value not in logs
