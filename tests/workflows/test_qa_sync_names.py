"""QA (issue 10): a mistyped sync NAME in ``sync run`` / ``sync preview`` is one clear error
naming the sync meant, exit 1, before anything runs (no list regenerated, no run logged), as
a mistyped ``--target`` is."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Sandbox

TYPO = ("Error: data_syncs.lapsed-donrs is not in state (did you mean 'lapsed-donors'?): "
        "apply it first if a manifest declares it; Data Syncs in state: lapsed-donors, "
        "members, newsletter-subscribers")


@pytest.fixture
def applied(sandbox: Sandbox) -> Sandbox:
    assert sandbox.run("apply", "--auto-approve").code == 0
    return sandbox


def _generations(sandbox: Sandbox) -> int:
    stats = sandbox.api("GET", "/_emulator/stats").json()["requests"]
    return stats.get("POST /TessituraService/Reporting/Lists/{listId}/Generate", 0)


@pytest.mark.parametrize("command", [("sync", "run", "lapsed-donrs"),
                                     ("sync", "run", "members", "lapsed-donrs"),
                                     ("sync", "preview", "lapsed-donrs")])
def test_a_mistyped_sync_name_names_the_sync_meant_and_runs_nothing(
        applied: Sandbox, command: tuple[str, ...]) -> None:
    generated = _generations(applied)
    result = applied.run(*command)
    assert result.code == 1
    assert result.err.strip() == TYPO
    assert _generations(applied) == generated  # not even the named sync before it ran
    logged = applied.run("sync", "log")
    assert logged.code == 0 and "members" not in logged.out, logged.out


@pytest.mark.parametrize(("command", "argument"), [("run", "NAMES"), ("preview", "NAME"),
                                                   ("log", "NAME")])
def test_sync_help_says_what_its_names_are(sandbox: Sandbox, command: str,
                                           argument: str) -> None:
    shown = sandbox.run("sync", command, "--help")
    assert shown.code == 0
    text = " ".join(shown.out.split())
    assert f"{argument} is the sync's name" in text or f"{argument} are syncs' names" in text
    assert "under data_syncs" in text and "data_syncs.NAME works too" in text
