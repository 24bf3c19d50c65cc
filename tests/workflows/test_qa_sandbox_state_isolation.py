"""`--sandbox` keeps its own state (README: "so sandbox ids never mix with a real
organization's"), yet an exported CALLBOARD_STATE, as a platform engineer's shell has for
production, was used by every --sandbox command: `--sandbox apply` wrote the emulators' ids
into the production state. The environment's state is for real services; only an explicit
--state on the command line goes with --sandbox."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.cli.conftest import Sandbox


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_sandbox_commands_never_use_the_exported_state(sandbox: Sandbox,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0  # a state with 20 resources
    production = sandbox.root / "production.db"
    assert sandbox.run("state", "copy", ".callboard/sandbox/state.db", str(production)).code == 0
    (sandbox.root / ".callboard" / "sandbox" / "state.db").unlink()  # a fresh sandbox state
    before = _digest(production)
    monkeypatch.setenv("CALLBOARD_STATE", str(production))

    listed = sandbox.run("state", "list")
    assert listed.code == 0 and listed.out == ""  # the sandbox's own (empty) state
    applied = sandbox.run("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert _digest(production) == before
    assert "tags.members-active\t" in sandbox.run("state", "list").out


def test_an_explicit_state_option_still_goes_with_sandbox(sandbox: Sandbox) -> None:
    applied = sandbox.run("--state", "mine.db", "apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert "tags.members-active\t" in sandbox.run("--state", "mine.db", "state", "list").out
    assert not (sandbox.root / ".callboard" / "sandbox" / "state.db").exists()
