"""An apply on merge meets a ``writeback run`` (cron, every few minutes) holding the state for a
moment: it waits for it, bounded and saying so, instead of failing for nothing; after the wait
it refuses as before, having changed nothing. The writeback is a real second process."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Sandbox
from tests.workflows.state_support import holding, live_tags, team_url

NEW_TAG = "tags:\n  gala: {name: Gala Guests}\n"


def test_an_apply_waits_for_a_writeback_run_then_applies(
        sandbox: Sandbox, team: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    (sandbox.manifests / "gala.yaml").write_text(NEW_TAG)
    with holding(team_url(team), "state", "writeback run") as writing:
        monkeypatch.setenv("CALLBOARD_LOCK_WAIT", "0.5")
        refused = sandbox.run(*team, "apply", "--auto-approve")
        assert refused.code == 1
        assert "Waiting up to 0.5s for a writeback run to finish (held by " in refused.err
        assert "is locked: held by " in refused.err and "(command: writeback run)" in refused.err
        assert "Gala Guests" not in live_tags(sandbox)
        assert "tags.gala" not in sandbox.run(*team, "state", "list").out

        monkeypatch.setenv("CALLBOARD_LOCK_WAIT", "60")
        writing.release_once_waited_for(monkeypatch)
        applied = sandbox.run(*team, "apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert applied.err.count("Waiting up to 60s for a writeback run to finish") == 1
    assert "Gala Guests" in live_tags(sandbox)
    assert "tags.gala" in sandbox.run(*team, "state", "list").out
