"""The Tessitura provider: one Basic-auth client shared by every Tessitura kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from engine.errors import ProviderError, StaleObjectError
from engine.kinds import KindHandler, ReferenceRow
from engine.providers import Provider, ProviderContext
from providers.http.settings import endpoint, required_env, service_url
from providers.tessitura.client import TessituraClient
from providers.tessitura.kinds.activity_types import ActivityTypesHandler
from providers.tessitura.kinds.handler import TessituraHandler
from providers.tessitura.kinds.tessitura_defaults import TessituraDefaultsHandler
from providers.tessitura.ports import PORTS
from providers.tessitura.reference import REFERENCE_TABLES, read_reference_table

_ENV = ("TESSITURA_URL", "TESSITURA_USER", "TESSITURA_USERGROUP", "TESSITURA_LOCATION",
        "TESSITURA_PASSWORD")

#: The oldest procedure pack (providers/tessitura/sql/) this client works with: 1.1.0 brought
#: the export's output-set columns and LP_CALLBOARD_SET_PURPOSES (Data Sync contact data and
#: trigger webhooks). Never above the pack shipped beside it (``providers.tessitura.sql``).
REQUIRED_PACK_VERSION = "1.1.0"
VERSION_PROCEDURE = "LP_CALLBOARD_VERSION"


class TessituraProvider(Provider):
    """Builds its client on first use, so a run that never touches Tessitura needs no login."""

    name: ClassVar[str] = "tessitura"
    handlers: ClassVar[tuple[type[KindHandler], ...]] = (ActivityTypesHandler,
                                                          TessituraDefaultsHandler)
    reference_tables: ClassVar[frozenset[str]] = REFERENCE_TABLES
    rules_package: ClassVar[str | None] = "providers.tessitura.rules"

    def __init__(self, context: ProviderContext) -> None:
        super().__init__(context)
        self._client: TessituraClient | None = None

    @classmethod
    def endpoint(cls, env: Mapping[str, str]) -> str | None:
        return endpoint(env, "TESSITURA_URL")

    @property
    def client(self) -> TessituraClient:
        """The shared client (reference look-ups and the sync's list source use it too)."""
        if self._client is None:
            url, user, usergroup, location, password = required_env(
                self.context.env, _ENV, "Tessitura")
            url = service_url("TESSITURA_URL", url, "/TessituraService", "HOST")
            self._client = TessituraClient(url, user, usergroup, location, password,
                                           transport=self.context.transport)
        return self._client

    def build_handler(self, handler_type: type[KindHandler]) -> KindHandler:
        assert issubclass(handler_type, TessituraHandler)
        return handler_type(self.client)

    async def check(self) -> None:
        """One cheap authenticated read: the service's own health report."""
        status = await self.client.get("/Diagnostics/Status")
        if isinstance(status, dict) and status.get("Success") is False:
            raise ProviderError(
                f"Tessitura at {self.client.base_url} answered but reports it is unhealthy "
                "(Diagnostics/Status Success is false)")

    async def reference(self, table: str) -> list[ReferenceRow]:
        return await read_reference_table(self.client, table)

    async def online_problems(self) -> list[str]:
        """Whether the procedure pack Callboard's writes and syncs rely on is installed."""
        try:
            rows = await self.client.execute(VERSION_PROCEDURE, idempotent=True)
        except StaleObjectError:
            raise
        except ProviderError as exc:
            if not _procedure_not_registered(exc):
                raise
            return [f"the Callboard procedure pack is not installed in Tessitura "
                    f"({VERSION_PROCEDURE} is not registered): install providers/tessitura/sql/ "
                    "as INSTALL.md says"]
        found = str(rows[0].get("Version") or "") if rows else ""
        installed = _version_tuple(found)
        if installed is None:
            return [f"the Callboard procedure pack in Tessitura reports version {found!r}, "
                    f"which Callboard cannot read; it needs {REQUIRED_PACK_VERSION} or newer: "
                    "install providers/tessitura/sql/ as INSTALL.md says"]
        if installed < (_version_tuple(REQUIRED_PACK_VERSION) or ()):
            return [f"the Callboard procedure pack in Tessitura is version {found}, older than "
                    f"the {REQUIRED_PACK_VERSION} this Callboard needs: install "
                    "providers/tessitura/sql/ again as INSTALL.md says"]
        return []

    def port(self, name: str) -> Any | None:
        factory = PORTS.get(name)
        return factory(self.client) if factory else None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
            self._handlers.clear()


def _procedure_not_registered(error: ProviderError) -> bool:
    """Tessitura answers 400 to ``Custom/Execute`` of an unregistered procedure.

    The version procedure takes no parameters, so a 400 from it can only mean that.
    """
    return error.status == 400


def _version_tuple(version: str) -> tuple[int, ...] | None:
    parts = version.strip().split(".")
    if not version.strip() or not all(part.isdigit() for part in parts):
        return None
    return tuple(int(part) for part in parts)
