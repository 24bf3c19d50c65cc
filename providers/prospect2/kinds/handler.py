"""What every Prospect2 kind's handler is given: the provider's shared client, and the
vocabulary that labels the Tessitura ids Prospect2 stores."""

from __future__ import annotations

from typing import Any

from engine.kinds import KindHandler
from providers.prospect2.account import account_settings
from providers.prospect2.client import Prospect2Client
from providers.prospect2.kinds.tessitura_references import ReferenceVocabulary


class Prospect2Handler(KindHandler):
    """Base of the Prospect2 handlers (one client: one rate limit for the whole run)."""

    def __init__(self, client: Prospect2Client,
                 vocabulary: ReferenceVocabulary | None = None) -> None:
        self.client = client
        self.vocabulary = vocabulary or ReferenceVocabulary()

    async def account(self) -> dict[str, Any]:
        """The account's Tessitura integration settings (read once per client): what the
        Part-B rules ask (``tessituraConnected``, ``contactPermissionsIntegrated``)."""
        return await account_settings(self.client)
