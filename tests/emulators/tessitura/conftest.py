"""Fixtures for the Tessitura emulator tests: a seeded world behind the real app."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from providers.emulator_kit.control import EmulatorControl
from providers.tessitura.emulator.app import build_tessitura_app
from providers.tessitura.emulator.world import TessituraWorld

LOGIN = ("callboard", "admin", "emulator", "emulator")


def basic(user: str, group: str, location: str, password: str) -> str:
    raw = f"{user}:{group}:{location}:{password}".encode()
    return "Basic " + base64.b64encode(raw).decode()


@pytest.fixture
def control() -> EmulatorControl:
    return EmulatorControl()


@pytest.fixture
def world() -> TessituraWorld:
    return TessituraWorld.seeded("small")


@pytest.fixture
async def api(world: TessituraWorld, control: EmulatorControl) -> AsyncIterator[httpx.AsyncClient]:
    app = build_tessitura_app(world, control)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app),
        base_url="http://t",
        headers={"Authorization": basic(*LOGIN)},
    ) as client:
        yield client


def only_error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    assert set(body[0]) == {"Code", "Description", "Details", "ErrorPath"}
    return body[0]


async def execute(api: httpx.AsyncClient, name: str, **params: Any) -> httpx.Response:
    values = [{"Name": f"@{key}", "Value": str(value)} for key, value in params.items()]
    return await api.post(
        "/Custom/Execute", json={"ProcedureName": name, "ParameterValues": values}
    )

