"""An API's error answer reaches callers as ``ProviderError.status``: they decide by the
status, never by the words of the message (which say what happened, for people)."""

from __future__ import annotations

import httpx
import pytest
from client_support import FAST_RETRY, PROSPECT2_URL, TESSITURA_LOGIN, TESSITURA_URL, TOKEN

from engine.errors import ProviderError
from providers.prospect2.client import Prospect2Client
from providers.tessitura.client import TessituraClient

pytestmark = pytest.mark.anyio


async def test_prospect2_errors_carry_the_status(transport: httpx.ASGITransport) -> None:
    client = Prospect2Client(PROSPECT2_URL, TOKEN, transport, rate_per_second=10_000,
                             retry=FAST_RETRY)
    try:
        with pytest.raises(ProviderError) as missing:
            await client.get("/tags/999999")
        assert missing.value.status == 404
    finally:
        await client.aclose()
    refused = Prospect2Client(PROSPECT2_URL, "wrong-token", transport, rate_per_second=10_000,
                              retry=FAST_RETRY)
    try:
        with pytest.raises(ProviderError) as denied:
            await refused.get("/tags")
        assert denied.value.status in (401, 403)
    finally:
        await refused.aclose()


async def test_tessitura_errors_carry_the_status(transport: httpx.ASGITransport) -> None:
    client = TessituraClient(TESSITURA_URL, *TESSITURA_LOGIN, "emulator", transport=transport)
    try:
        with pytest.raises(ProviderError) as unregistered:
            await client.execute("LP_NOT_REGISTERED", idempotent=True)
        assert unregistered.value.status == 400
    finally:
        await client.aclose()
    wrong = TessituraClient(TESSITURA_URL, *TESSITURA_LOGIN, "not-the-password",
                            transport=transport)
    try:
        with pytest.raises(ProviderError) as denied:
            await wrong.get("/Diagnostics/Status")
        assert denied.value.status == 401
    finally:
        await wrong.aclose()
