"""A damaged state file, or one a newer Callboard wrote, is one clear error naming the file and
what to do; it is never taken for a new state, never rewritten, and never an "internal error"
(issue 9: a 0-byte state.db was silently treated as a new, empty state)."""

from __future__ import annotations

import sqlite3

import pytest

from tests.cli.conftest import Sandbox

STATE = ".callboard/sandbox/state.db"


def _spoil(sandbox: Sandbox, how: str) -> bytes:
    path = sandbox.root / STATE
    data = path.read_bytes()
    if how == "0-byte":
        path.write_bytes(b"")
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "corrupt":
        path.write_bytes(data[:100] + bytes(reversed(data[100:])))
    else:
        db = sqlite3.connect(path)
        db.execute("PRAGMA user_version = 42")
        db.commit()
        db.close()
    return path.read_bytes()


@pytest.mark.parametrize("how", ["0-byte", "truncated", "corrupt", "newer"])
def test_a_spoiled_state_file_is_refused_clearly_and_left_alone(sandbox: Sandbox,
                                                                how: str) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    assert not (sandbox.root / f"{STATE}-wal").exists()  # every write is in the file
    spoiled = _spoil(sandbox, how)
    for command in (["state", "list"], ["plan"], ["apply", "--auto-approve"],
                    ["sync", "log"]):
        result = sandbox.run(*command)
        assert result.code == 1, (command, result.out)
        error = result.err.strip()
        assert error.startswith(f"Error: state {STATE} ") and error.count("\n") == 0
        assert "internal error" not in error and "please report" not in error
        if how == "newer":
            assert "newer than this Callboard" in error and "Upgrade Callboard" in error
        else:
            assert "is damaged" in error and "will not treat it as a new state" in error
            assert ".backup-SERIAL" in error and "callboard state copy" in error
    assert (sandbox.root / STATE).read_bytes() == spoiled
