"""Generic fixtures for the emulator tests (shared by the Prospect2 and Tessitura suites)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from providers.emulator_host import build_emulator_app


def emulator_client(app: Any, client_host: str = "127.0.0.1") -> httpx.AsyncClient:
    """A client of the whole emulator host (both APIs and the control API) over ASGI."""
    transport = httpx.ASGITransport(app, client=(client_host, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://emulator")


@pytest.fixture
async def host() -> AsyncIterator[httpx.AsyncClient]:
    """The ``small`` seed's emulator host, as a loopback caller sees it."""
    async with emulator_client(build_emulator_app(seed="small")) as client:
        yield client


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
