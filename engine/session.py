"""A session: the providers of one run, their handlers, and live reads shared by the commands."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from engine.errors import CallboardError
from engine.kinds import KindHandler, LiveObject
from engine.providers import KindRegistry, Provider, ProviderContext


class Session:
    """Connects the engine to every registered provider for one command."""

    def __init__(self, provider_classes: list[type[Provider]], context: ProviderContext) -> None:
        self.registry = KindRegistry(provider_classes)
        self.context = context
        self._classes = {p.name: p for p in provider_classes}
        self._providers: dict[str, Provider] = {}

    def provider(self, name: str) -> Provider:
        if name not in self._providers:
            self._providers[name] = self._classes[name](self.context)
        return self._providers[name]

    def handler(self, kind: str) -> KindHandler:
        if kind not in self.registry:
            raise CallboardError(f"unknown kind {kind!r}")
        return self.provider(self.registry.provider_of[kind]).handler(kind)

    async def check(self, kinds: Iterable[str]) -> None:
        """Fail early, with the provider's own message, when a service is unreachable."""
        names = sorted({self.registry.provider_of[k] for k in kinds if k in self.registry})
        for name in names:
            await self.provider(name).check()

    async def check_all(self) -> None:
        for name in sorted(self._classes):
            await self.provider(name).check()

    async def read_live(self, kinds: Iterable[str]) -> dict[str, list[LiveObject]]:
        """One paged listing per kind, kinds read concurrently."""
        wanted = [k for k in self.registry.order() if k in set(kinds)]
        results = await asyncio.gather(*(self.handler(k).list() for k in wanted))
        return dict(zip(wanted, results, strict=True))

    async def aclose(self) -> None:
        for provider in self._providers.values():
            await provider.aclose()
        self._providers.clear()
