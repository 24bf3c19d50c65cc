"""Small things a newcomer trips on, each driven through the real CLI as they would type it."""

from __future__ import annotations

import os
import pty
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from engine.cli.main import main
from tests.cli.conftest import Result, Sandbox
from tests.served_process import CALLBOARD


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    """The CLI exactly as typed: no options added in front."""
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


# -- global options after the command --------------------------------------------------------
def test_global_options_after_the_command(sandbox: Sandbox,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    before = _run(capsys, "--sandbox", "--no-color", "plan")
    after = _run(capsys, "plan", "--sandbox", "--no-color")
    assert after.code == before.code == 0, after.err
    assert after.out == before.out
    assert "Callboard will perform these actions" in after.out


def test_manifests_option_after_a_sync_name(sandbox: Sandbox,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    shutil.move(sandbox.manifests, sandbox.root / "org")
    assert _run(capsys, "apply", "--auto-approve", "--sandbox", "-m", "org").code == 0
    result = _run(capsys, "sync", "run", "members", "-m", "org", "--sandbox", "--no-color")
    assert result.code == 0, result.err
    assert result.out.startswith("data_syncs.members: succeeded")


def test_an_option_given_before_the_command_is_not_undone_after_it(
        sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.move(sandbox.manifests, sandbox.root / "org")
    kept = _run(capsys, "-m", "org", "validate", "--sandbox")
    assert kept.code == 0, kept.err
    later_wins = _run(capsys, "-m", "org", "validate", "-m", "missing")
    assert later_wins.code == 1
    assert "manifest directory missing does not exist" in later_wins.err


# -- words ------------------------------------------------------------------------------------
def test_one_resource_in_one_file(sandbox: Sandbox) -> None:
    for path in sandbox.manifests.glob("*.yaml"):
        if path.name != "callboard.yaml":
            path.unlink()
    (sandbox.manifests / "tags.yaml").write_text("tags:\n  vip:\n    name: VIP\n")
    assert sandbox.run("validate").out == "Success: 1 resource in 1 file is valid.\n"
    (sandbox.manifests / "more.yaml").write_text("tags:\n  gala:\n    name: Gala\n")
    assert sandbox.run("validate").out == "Success: 2 resources in 2 files are valid.\n"


def test_state_show_prints_names_as_written(sandbox: Sandbox) -> None:
    tags = sandbox.manifests / "tags.yaml"
    tags.write_text(tags.read_text() + "\n  gala:\n    name: Gala – Théâtre Français ✨\n")
    assert sandbox.run("apply", "--auto-approve").code == 0
    shown = sandbox.run("state", "show", "tags.gala")
    assert '"name": "Gala – Théâtre Français ✨"' in shown.out
    assert "\\u" not in shown.out


def test_output_without_a_field_lists_the_fields(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    listed = sandbox.run("output", "csi_webhooks.cancellation-feedback")
    assert listed.code == 0, listed.err
    lines = listed.out.splitlines()
    assert lines[0] == ("csi_webhooks.cancellation-feedback has these fields (print one with: "
                        "callboard output csi_webhooks.cancellation-feedback FIELD):")
    assert "  url  (masked in plans)" in lines
    assert "  description" in lines
    url = sandbox.run("output", "csi_webhooks.cancellation-feedback", "url")
    assert url.code == 0 and url.out.startswith("http")


# -- errors on a terminal ---------------------------------------------------------------------
def _stderr_on_a_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> bytes:
    leader, follower = pty.openpty()
    try:
        process = subprocess.run([*CALLBOARD, *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                                 stderr=follower, timeout=60)
        os.close(follower)
        assert process.returncode == 1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: everything was read
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(leader)


def test_error_is_red_on_a_terminal_and_plain_with_no_color(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    red = _stderr_on_a_terminal(["-m", "nowhere", "validate"], tmp_path, env)
    assert b"\x1b[31m" in red and b"Error:" in red
    plain = _stderr_on_a_terminal(["-m", "nowhere", "validate"], tmp_path,
                                  {**env, "NO_COLOR": "1"})
    assert plain.startswith(b"Error: manifest directory nowhere does not exist")


# -- emulator serve ---------------------------------------------------------------------------
def test_emulator_serve_on_a_busy_port_fails_before_printing(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = subprocess.run([*CALLBOARD, "emulator", "serve", "--port", str(port)],
                                cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: cannot listen on 127.0.0.1:{port}: ")
    assert "pick another with --port" in result.stderr


# -- configuration ----------------------------------------------------------------------------
SETTINGS = {"PROSPECT2_URL": "https://lakeside.api-us1.com/api/3", "PROSPECT2_API_TOKEN": "t",
            "TESSITURA_URL": "https://tess.example.org/TessituraService", "TESSITURA_USER": "u",
            "TESSITURA_USERGROUP": "g", "TESSITURA_LOCATION": "l", "TESSITURA_PASSWORD": "p"}


@pytest.mark.parametrize(("manifest", "variable", "value", "fix"), [
    ("tags.yaml", "PROSPECT2_URL", "lakeside.api-us1.com", "https://lakeside.api-us1.com/api/3"),
    ("tags.yaml", "PROSPECT2_URL", "https://lakeside.api-us1.com",
     "https://lakeside.api-us1.com/api/3"),
    ("tessitura.yaml", "TESSITURA_URL", "https://tess.example.org/api",
     "https://tess.example.org/TessituraService"),
])
def test_a_service_url_that_cannot_be_right_is_refused_with_the_fix(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        manifest: str, variable: str, value: str, fix: str) -> None:
    """Refused before any request (an unreachable host would otherwise be retried)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "manifests").mkdir()
    shutil.copy(Path(__file__).parents[2] / "manifests" / manifest, tmp_path / "manifests")
    for name, setting in {**SETTINGS, variable: value}.items():
        monkeypatch.setenv(name, setting)
    monkeypatch.delenv("CALLBOARD_STATE", raising=False)
    result = _run(capsys, "--no-color", "plan")
    assert result.code == 1
    assert result.err.startswith(f"Error: {variable} is {value!r}, which ")
    assert result.err.endswith(f": set it to the service's API address, e.g. {fix}\n")
