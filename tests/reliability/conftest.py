"""One served emulator for the battery's process-level checks, started with distinctive
credentials so the secrets check can search for them (everything else works the same)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.pg import pg_cluster  # noqa: F401 - fixtures for the PostgreSQL backend
from tests.reliability.secret_checks import PASSWORD, TOKEN
from tests.reliability.served import NO_FAULTS, Emulator, served_emulator


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    with served_emulator(token=TOKEN, password=PASSWORD) as served:
        yield served


@pytest.fixture
def quiet_emulator(emulator: Emulator) -> Iterator[Emulator]:
    """The shared emulator, with no faults left behind by a failed check."""
    yield emulator
    emulator.control("faults", NO_FAULTS)


@pytest.fixture(params=["sqlite", "postgresql"])
def state_backend(request: pytest.FixtureRequest
                  ) -> tuple[str, Callable[[], str] | None]:
    """(backend, a maker of empty ``--state`` URLs): None means each workspace's own SQLite
    file; for PostgreSQL, a fresh database of the throwaway cluster each time."""
    if request.param == "sqlite":
        return "sqlite", None
    return "postgresql", request.getfixturevalue("pg_cluster").new_database
