"""Generic fixtures for the emulator tests (shared by the Prospect2 and Tessitura suites)."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
