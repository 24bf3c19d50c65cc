"""Commands that only look never create a state: ``plan`` in a fresh directory leaves no
``.callboard/`` behind (issue 9: read-only commands created an empty state file and folder)."""

from __future__ import annotations

from tests.e2e.conftest import Workspace

LOOKING = [
    (["validate"], 0),
    (["plan"], 0),
    (["plan", "--format", "json", "--refresh-only"], 0),
    (["drift"], 2),  # unmanaged live objects
    (["state", "list"], 0),
    (["state", "show", "tags.members-active"], 1),  # not in state (yet)
    (["output", "tags.members-active", "name"], 1),
    (["sync", "log"], 0),
    (["sync", "preview", "members"], 1),
]


def test_looking_in_a_fresh_directory_creates_nothing(workspace: Workspace) -> None:
    for command, code in LOOKING:
        result = workspace.run(*command)
        assert result.returncode == code, (command, result.stdout, result.stderr)
        assert "internal error" not in result.stderr
        assert not (workspace.root / ".callboard").exists(), command
    named = workspace.run("--state", "team/state.db", "plan")
    assert named.returncode == 0 and not (workspace.root / "team").exists()


def test_a_plan_saved_in_a_fresh_directory_applies(workspace: Workspace) -> None:
    saved = workspace.run("plan", "--out", "first.cbplan")
    assert saved.returncode == 0 and not (workspace.root / ".callboard").exists()
    applied = workspace.run("apply", "first.cbplan")
    assert applied.returncode == 0, applied.stderr
    assert (workspace.root / ".callboard" / "state.db").exists()
    assert workspace.run("plan", "--detailed-exitcode").returncode == 0
