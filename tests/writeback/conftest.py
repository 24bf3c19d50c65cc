"""Fixtures for writeback tests: an in-process emulated organization (seed "small")."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from providers.emulator_host import build_emulator_app

from .writeback_support import BASE, Organization


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def organization() -> AsyncIterator[Organization]:
    transport = httpx.ASGITransport(app=build_emulator_app(seed="small"))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield Organization(http, transport)

