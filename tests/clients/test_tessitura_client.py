"""TessituraClient against the in-process emulator: auth, conflicts, retries, procedures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from client_support import FAST_RETRY, TESSITURA_LOGIN, TESSITURA_URL, EmulatorControl

from engine.errors import ProviderError, StaleObjectError
from providers.tessitura.client import TessituraClient, parse_tessitura_datetime

pytestmark = pytest.mark.anyio

PASSWORD = "pa:ss:word"  # colons on purpose: the server splits on the first three only


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    return {"tessitura_password": PASSWORD}


def make_client(transport: httpx.AsyncBaseTransport, password: str = PASSWORD,
                **options: Any) -> TessituraClient:
    return TessituraClient(TESSITURA_URL, *TESSITURA_LOGIN, password, transport,
                           retry=FAST_RETRY, **options)


@pytest.fixture
async def client(transport: httpx.ASGITransport) -> AsyncIterator[TessituraClient]:
    tessitura = make_client(transport)
    yield tessitura
    await tessitura.aclose()


async def test_a_password_containing_colons_is_accepted(client: TessituraClient) -> None:
    status = await client.get("/Diagnostics/Status")
    assert status["Success"] is True


async def test_wrong_credentials_name_the_login_but_not_the_password(
        transport: httpx.ASGITransport) -> None:
    tessitura = make_client(transport, password="pa:ss")  # the right password's prefix
    try:
        with pytest.raises(ProviderError) as caught:
            await tessitura.get("/Diagnostics/Status")
    finally:
        await tessitura.aclose()
    message = str(caught.value)
    assert "Tessitura refused the credentials for callboard:admin:emulator" in message
    assert "TESSITURA_USER" in message
    assert "pa:ss" not in message


async def test_a_stale_update_is_a_stale_object_error(client: TessituraClient) -> None:
    activity_type = (await client.get("/ReferenceData/ActivityTypes"))[0]
    path = f"/ReferenceData/ActivityTypes/{activity_type['Id']}"
    read = await client.get(path)
    await client.put(path, {**read, "Description": read["Description"] + " (first)"})

    with pytest.raises(StaleObjectError) as caught:
        await client.put(path, {**read, "Description": read["Description"] + " (second)"})
    assert path in str(caught.value)
    assert "409" in str(caught.value)


async def test_errors_carry_description_and_error_path(client: TessituraClient) -> None:
    with pytest.raises(ProviderError) as caught:
        await client.execute("LP_NOT_REGISTERED")
    assert "POST /Custom/Execute failed with 400" in str(caught.value)


async def test_execute_returns_the_procedure_rows(client: TessituraClient) -> None:
    rows = await client.execute("LP_CALLBOARD_VERSION", idempotent=True)
    assert rows and rows[0]["Version"]


async def test_reads_and_idempotent_procedures_survive_server_errors(
        client: TessituraClient, control: EmulatorControl) -> None:
    await control.faults(error_rate=0.5)
    for _ in range(5):
        assert (await client.get("/Diagnostics/Status"))["Success"] is True
        assert await client.execute("LP_CALLBOARD_VERSION", idempotent=True)
    assert client.requests_made > 10


async def test_a_non_idempotent_post_is_never_resent_after_a_server_error(
        client: TessituraClient, control: EmulatorControl) -> None:
    await control.faults(error_rate=1.0)
    with pytest.raises(ProviderError, match="failed with 500"):
        await client.execute("LP_CALLBOARD_VERSION")
    assert await control.count("POST /TessituraService/Custom/Execute") == 1


class InFlightCounter(httpx.AsyncBaseTransport):
    """Passes requests through and records how many were in flight at once."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.now = 0
        self.most = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            await asyncio.sleep(0.01)
            return await self.inner.handle_async_request(request)
        finally:
            self.now -= 1


async def test_concurrency_is_bounded(transport: httpx.ASGITransport) -> None:
    counter = InFlightCounter(transport)
    tessitura = make_client(counter, max_in_flight=3)
    try:
        await asyncio.gather(*(tessitura.get("/Diagnostics/Status") for _ in range(12)))
    finally:
        await tessitura.aclose()
    assert counter.most == 3


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-09-01T09:00:00", datetime(2026, 9, 1, 9, 0, 0)),
    ("2026-09-01T09:00", datetime(2026, 9, 1, 9, 0, 0)),
    ("2026-09-01T09:00:00.5", datetime(2026, 9, 1, 9, 0, 0, 500000)),
    ("2026-09-01T09:00:00.1234567", datetime(2026, 9, 1, 9, 0, 0, 123456)),
    ("2026-09-01T09:00:00.123-04:00",
     datetime(2026, 9, 1, 9, 0, 0, 123000, tzinfo=timezone(-timedelta(hours=4)))),
    ("2026-09-01T09:00:00Z", datetime(2026, 9, 1, 9, 0, 0, tzinfo=UTC)),
    ("2026-09-01T09:00:00.0000000+0530",
     datetime(2026, 9, 1, 9, 0, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))),
    ("2026-09-01", datetime(2026, 9, 1)),
])
def test_tessitura_datetimes_parse(text: str, expected: datetime) -> None:
    assert parse_tessitura_datetime(text) == expected


def test_a_malformed_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="not a Tessitura date-time"):
        parse_tessitura_datetime("01/09/2026 09:00")
