"""``at``: Callboard's clock (``engine.clock``) set to a UTC instant, as a cron every few
minutes would see time move, in a sandbox whose manifests start empty."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from engine import clock
from tests.cli.conftest import Sandbox


@pytest.fixture
def at(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Set Callboard's clock to a UTC instant (the organization's time zone is UTC here)."""
    shutil.rmtree(sandbox.manifests)
    sandbox.manifests.mkdir()

    def move(moment: str) -> None:
        instant = datetime.fromisoformat(moment).replace(tzinfo=UTC)
        monkeypatch.setattr(clock, "now", lambda: instant)
    return move
