"""Fixtures shared by the sync edge tests."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import pytest


@pytest.fixture
def machine_zone() -> Iterator[Callable[[str], None]]:
    """Set the machine's own time zone (``TZ``) for one test, as a server abroad has it."""
    before = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()
