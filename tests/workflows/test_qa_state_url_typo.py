"""A misspelt state URL (`postgressql://…`, `mysql://…`) was taken for a SQLite path: apply made
a fresh local file named after the URL and applied everything into an empty state, apart from
the team's. Any URL that is not PostgreSQL's is refused before anything is opened or created."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Sandbox
from tests.workflows.state_support import live_tags

TYPO = "postgressql://callboard:s3cret@127.0.0.1:5432/callboard"
SHOWN = "postgressql://callboard:***@127.0.0.1:5432/callboard"  # never the password


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")
            if ".callboard" not in p.parts and "manifests" not in p.parts}


@pytest.mark.parametrize("command", [("apply", "--auto-approve"), ("plan",), ("state", "list")])
def test_a_misspelt_postgresql_url_is_refused_before_anything_is_created(
        sandbox: Sandbox, command: tuple[str, ...]) -> None:
    before, tags = _files(sandbox.root), live_tags(sandbox)
    result = sandbox.run("--state", TYPO, *command)
    assert result.code == 1
    assert result.err.strip() == (
        f"Error: state {SHOWN} is not a SQLite path nor a postgresql:// URL (did you mean "
        "postgresql://?): Callboard keeps state in a SQLite file (give its path) or in "
        "PostgreSQL (postgresql://user:pass@host/db)")
    assert _files(sandbox.root) == before
    assert live_tags(sandbox) == tags


def test_state_copy_to_a_url_of_another_database_is_refused(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    result = sandbox.run("state", "copy", ".callboard/sandbox/state.db", "mysql://db/callboard")
    assert result.code == 1
    assert "state mysql://db/callboard is not a SQLite path nor a postgresql:// URL" in result.err
    assert "did you mean" not in result.err
    assert not (sandbox.root / "mysql:").exists()
