"""Shared by the provider and kind tests: the environment the CLI would pass, the control
API driver, and a transport that loses one answer."""

from __future__ import annotations

from typing import Any

import httpx

from providers.http.retry import RetryPolicy

PROSPECT2_ENV = {"PROSPECT2_URL": "http://emulator/api/3", "PROSPECT2_API_TOKEN": "emulator-token"}
TESSITURA_ENV = {
    "TESSITURA_URL": "http://emulator/TessituraService",
    "TESSITURA_USER": "callboard",
    "TESSITURA_USERGROUP": "admin",
    "TESSITURA_LOCATION": "emulator",
    "TESSITURA_PASSWORD": "emulator",
}


#: Retries as the product does them, with waits shrunk so fault tests take milliseconds.
FAST_RETRY = RetryPolicy(attempts=6, base_delay=0.001, max_delay=0.005)


class EmulatorControl:
    """The emulator's ``/_emulator/`` routes, spoken over HTTP like any test driver would."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def faults(self, **settings: Any) -> dict[str, Any]:
        answer = await self.http.post("/_emulator/faults", json=settings)
        answer.raise_for_status()
        return answer.json()

    async def count(self, template: str) -> int:
        """How many requests the emulator saw for ``"METHOD /path-template"``."""
        answer = await self.http.get("/_emulator/stats")
        answer.raise_for_status()
        return int(answer.json()["requests"].get(template, 0))


class AnswerLosingTransport(httpx.AsyncBaseTransport):
    """Delivers the first ``POST`` to ``path`` to the emulator, then loses its answer.

    The write happens but the client sees a 502 (or a dropped connection): the situation in
    which a blind retry would create a duplicate.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, path: str, *,
                 drop_connection: bool = False) -> None:
        self.inner = inner
        self.path = path
        self.drop_connection = drop_connection
        self.lost = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and request.url.path == self.path and not self.lost:
            self.lost += 1
            await response.aread()
            if self.drop_connection:
                raise httpx.ReadError("connection reset by peer", request=request)
            return httpx.Response(502, text="Bad Gateway", request=request)
        return response
