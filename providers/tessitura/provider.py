"""The Tessitura provider: one Basic-auth client shared by every Tessitura kind."""

from __future__ import annotations

from typing import Any, ClassVar

from engine.errors import CallboardError, ProviderError
from engine.kinds import Kind, KindHandler
from engine.providers import Provider, ProviderContext
from providers.http.settings import required_env
from providers.tessitura.client import TessituraClient
from providers.tessitura.ports import PORTS

_ENV = ("TESSITURA_URL", "TESSITURA_USER", "TESSITURA_USERGROUP", "TESSITURA_LOCATION",
        "TESSITURA_PASSWORD")


class TessituraProvider(Provider):
    """Builds its client on first use, so a run that never touches Tessitura needs no login."""

    name: ClassVar[str] = "tessitura"
    kinds: ClassVar[tuple[type[Kind], ...]] = ()

    def __init__(self, context: ProviderContext) -> None:
        super().__init__(context)
        self._client: TessituraClient | None = None

    @property
    def client(self) -> TessituraClient:
        """The shared client (reference look-ups and the sync's list source use it too)."""
        if self._client is None:
            url, user, usergroup, location, password = required_env(
                self.context.env, _ENV, "Tessitura")
            self._client = TessituraClient(url, user, usergroup, location, password,
                                           transport=self.context.transport)
        return self._client

    def handler(self, kind: str) -> KindHandler:
        raise CallboardError(f"Tessitura has no kind {kind!r}")

    async def check(self) -> None:
        """One cheap authenticated read: the service's own health report."""
        status = await self.client.get("/Diagnostics/Status")
        if isinstance(status, dict) and status.get("Success") is False:
            raise ProviderError(
                f"Tessitura at {self.client.base_url} answered but reports it is unhealthy "
                "(Diagnostics/Status Success is false)")

    def port(self, name: str) -> Any | None:
        factory = PORTS.get(name)
        return factory(self.client) if factory else None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
