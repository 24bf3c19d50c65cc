"""``validate --online``: the Tessitura provider says when the procedure pack is missing or old."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from provider_support import TESSITURA_ENV, EmulatorControl

from engine.providers import ProviderContext
from providers.tessitura.provider import REQUIRED_PACK_VERSION, TessituraProvider

pytestmark = pytest.mark.anyio


@pytest.fixture
async def provider(transport: httpx.ASGITransport) -> AsyncIterator[TessituraProvider]:
    served = TessituraProvider(ProviderContext(env=TESSITURA_ENV, transport=transport))
    yield served
    await served.aclose()


async def pretend_pack(control: EmulatorControl, version: str | None) -> None:
    answer = await control.http.post("/_emulator/tessitura/pack", json={"version": version})
    assert answer.json() == {"version": version}


async def test_an_installed_pack_is_no_problem(provider: TessituraProvider) -> None:
    assert await provider.online_problems() == []


async def test_a_missing_pack_says_how_to_install_it(
        provider: TessituraProvider, control: EmulatorControl) -> None:
    await pretend_pack(control, None)
    assert await provider.online_problems() == [
        "the Callboard procedure pack is not installed in Tessitura (LP_CALLBOARD_VERSION is "
        "not registered): install providers/tessitura/sql/ as INSTALL.md says"]


async def test_an_old_pack_names_both_versions(
        provider: TessituraProvider, control: EmulatorControl) -> None:
    await pretend_pack(control, "0.9.0")
    [problem] = await provider.online_problems()
    assert "version 0.9.0" in problem
    assert REQUIRED_PACK_VERSION in problem
    assert "INSTALL.md" in problem


async def test_a_newer_pack_is_fine(provider: TessituraProvider,
                                    control: EmulatorControl) -> None:
    await pretend_pack(control, "1.10.0")  # compared as numbers, not text
    assert await provider.online_problems() == []


async def test_a_missing_pack_refuses_its_procedures(control: EmulatorControl) -> None:
    await pretend_pack(control, None)
    answer = await control.http.post(
        "/TessituraService/Custom/Execute", auth=("callboard:admin:emulator", "emulator"),
        json={"ProcedureName": "LP_CALLBOARD_SET_DEFAULT", "ParameterValues": []})
    assert answer.status_code == 400
    assert "not registered" in answer.json()[0]["Description"]
