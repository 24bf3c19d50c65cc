"""Fixtures for the provider and kind tests: an in-process emulator and its control API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from provider_support import EmulatorControl


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def transport() -> httpx.ASGITransport:
    from providers.emulator_host import build_emulator_app

    return httpx.ASGITransport(app=build_emulator_app(seed="small"))


@pytest.fixture
async def control(transport: httpx.ASGITransport) -> AsyncIterator[EmulatorControl]:
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as http:
        yield EmulatorControl(http)
