"""The Prospect2 provider: one API-token client shared by every Prospect2 kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from engine.kinds import KindHandler, ReferenceRow
from engine.providers import Provider, ProviderContext
from providers.http.settings import endpoint, required_env, service_url
from providers.prospect2.account import account_settings
from providers.prospect2.client import PUBLISHED_RATE, Prospect2Client
from providers.prospect2.kinds.campaign_writebacks import CampaignWritebacksHandler
from providers.prospect2.kinds.csi_webhooks import CsiWebhooksHandler
from providers.prospect2.kinds.custom_fields import CustomFieldsHandler
from providers.prospect2.kinds.data_syncs import DataSyncsHandler
from providers.prospect2.kinds.handler import Prospect2Handler
from providers.prospect2.kinds.tags import TagsHandler
from providers.prospect2.kinds.tessitura_references import ReferenceVocabulary
from providers.prospect2.ports import PORTS
from providers.prospect2.reference import REFERENCE_TABLES, read_reference_table

SANDBOX_RATE = 200.0


class Prospect2Provider(Provider):
    """Builds its client on first use, so a run that never touches Prospect2 needs no token."""

    name: ClassVar[str] = "prospect2"
    handlers: ClassVar[tuple[type[KindHandler], ...]] = (
        TagsHandler, CustomFieldsHandler, CsiWebhooksHandler, DataSyncsHandler,
        CampaignWritebacksHandler)
    rules_package: ClassVar[str | None] = "providers.prospect2.rules"
    reference_tables: ClassVar[frozenset[str]] = REFERENCE_TABLES
    rate_per_second: ClassVar[float | None] = PUBLISHED_RATE

    def __init__(self, context: ProviderContext) -> None:
        super().__init__(context)
        self._client: Prospect2Client | None = None

    @classmethod
    def endpoint(cls, env: Mapping[str, str]) -> str | None:
        return endpoint(env, "PROSPECT2_URL")

    @property
    def client(self) -> Prospect2Client:
        """The shared client (for the sync's tag target and reports: one rate limit)."""
        if self._client is None:
            url, token = required_env(
                self.context.env, ("PROSPECT2_URL", "PROSPECT2_API_TOKEN"), "Prospect2")
            url = service_url("PROSPECT2_URL", url, "/api/3", "ACCOUNT.api-us1.com")
            # The sandbox's in-process emulator does not enforce the 5/s limit, so pacing
            # there would only slow the walk-through; a real account is always paced.
            rate = SANDBOX_RATE if self.context.settings.get("sandbox") else PUBLISHED_RATE
            self._client = Prospect2Client(url, token, transport=self.context.transport,
                                           rate_per_second=rate)
        return self._client

    def build_handler(self, handler_type: type[KindHandler]) -> KindHandler:
        """Every Prospect2 handler shares the client and labels Tessitura ids with the
        session's reference tables."""
        assert issubclass(handler_type, Prospect2Handler)
        return handler_type(self.client, ReferenceVocabulary(self.context.references))

    async def check(self) -> None:
        """One cheap authenticated read: the account the token belongs to (kept: the rules
        that need its settings read them from here instead of asking again)."""
        await account_settings(self.client)

    async def reference(self, table: str) -> list[ReferenceRow]:
        """The account's own lists (``prospect2.lists``), for custom fields' ``lists``."""
        return await read_reference_table(self.client, table)

    def port(self, name: str) -> Any | None:
        factory = PORTS.get(name)
        return factory(self.client) if factory else None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
            self._handlers.clear()
