"""Fixtures for the client tests: an in-process emulator and its control API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from client_support import EmulatorControl


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    """Override in a module to build the emulator differently (e.g. another password)."""
    return {}


@pytest.fixture
def transport(emulator_options: dict[str, Any]) -> httpx.ASGITransport:
    from providers.emulator_host import build_emulator_app

    return httpx.ASGITransport(app=build_emulator_app(seed="small", **emulator_options))


@pytest.fixture
async def control(transport: httpx.ASGITransport) -> AsyncIterator[EmulatorControl]:
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as http:
        yield EmulatorControl(http)
