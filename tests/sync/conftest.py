"""Sync tests run on asyncio through the anyio plugin."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# The served emulator and CLI workspace of the end-to-end tests, for the kill -9 test.
from tests.e2e.conftest import served, workspace  # noqa: E402, F401
