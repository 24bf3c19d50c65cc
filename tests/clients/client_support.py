"""Shared by the client tests: emulator addresses, fast retries, the control API driver."""

from __future__ import annotations

from typing import Any

import httpx

from providers.http.retry import RetryPolicy

PROSPECT2_URL = "http://emulator/api/3"
TESSITURA_URL = "http://emulator/TessituraService"
TOKEN = "emulator-token"
TESSITURA_LOGIN = ("callboard", "admin", "emulator")

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

    async def stats(self) -> dict[str, Any]:
        answer = await self.http.get("/_emulator/stats")
        answer.raise_for_status()
        return answer.json()

    async def count(self, template: str) -> int:
        """How many requests the emulator saw for ``"METHOD /path-template"``."""
        return int((await self.stats())["requests"].get(template, 0))
