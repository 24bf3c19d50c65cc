"""The state suite runs against both backends through one parametrized ``state`` fixture."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.state import StateStore, open_state
from tests.pg import guarded_role, pg_cluster, pg_url  # noqa: F401 - fixtures

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "state.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def open_store(state_url: str) -> Iterator[Callable[[], StateStore]]:
    """Opens more stores on the same state (a second runner); all closed afterwards."""
    opened: list[StateStore] = []

    def opener() -> StateStore:
        store = open_state(state_url)
        opened.append(store)
        return store

    yield opener
    for store in opened:
        store.close()


@pytest.fixture
def state(open_store: Callable[[], StateStore]) -> StateStore:
    return open_store()


# The CLI tests drive a sandbox in-process and a served emulator over TCP, as the CLI and e2e
# suites do; their fixtures are shared rather than rebuilt.
from tests.cli.conftest import sandbox  # noqa: E402, F401
from tests.e2e.conftest import served, workspace  # noqa: E402, F401
