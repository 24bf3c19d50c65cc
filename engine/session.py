"""A session: the providers of one run, their handlers, and live reads shared by the commands."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from engine.errors import CallboardError
from engine.kinds import KindHandler, LiveObject, ReferenceRow
from engine.providers import KindRegistry, Provider, ProviderContext


class Session:
    """Connects the engine to every registered provider for one command."""

    def __init__(self, provider_classes: list[type[Provider]], context: ProviderContext) -> None:
        self.registry = KindRegistry(provider_classes)
        self.context = context
        if context.references is None:
            context.references = self.reference
        self._classes = {p.name: p for p in provider_classes}
        self._providers: dict[str, Provider] = {}
        self._reference_cache: dict[str, list[ReferenceRow]] = {}
        self._live_cache: dict[str, list[LiveObject]] = {}
        self._problems: dict[str, list[str]] = {}

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

    def endpoints(self, kinds: Iterable[str]) -> dict[str, str]:
        """provider -> the address it talks to, for the providers of ``kinds``."""
        names = sorted({self.registry.provider_of[k] for k in kinds if k in self.registry})
        found = {name: self.endpoint(name) for name in names}
        return {name: url for name, url in found.items() if url is not None}

    def endpoint(self, name: str) -> str | None:
        return self._classes[name].endpoint(self.context.env)

    async def online_problems(self, providers: Iterable[str] | None = None) -> list[str]:
        """What the providers (all, by default) report missing, each asked once a session."""
        problems: list[str] = []
        for name in sorted(self._classes if providers is None else set(providers)):
            if name not in self._problems:
                self._problems[name] = await self.provider(name).online_problems()
            problems += self._problems[name]
        return problems

    async def require_add_ons(self, what: str, providers: Iterable[str] | None = None) -> None:
        """Refuse, before any write, work that needs an add-on a service lacks (Tessitura's
        procedure pack), saying what to install, rather than fail half-way through."""
        problems = await self.online_problems(providers)
        if problems:
            raise CallboardError(f"{what}: {problems[0]}; nothing was changed")

    async def read_live(self, kinds: Iterable[str]) -> dict[str, list[LiveObject]]:
        """One paged listing per kind, kinds read concurrently."""
        wanted = [k for k in self.registry.order() if k in set(kinds)]
        results = await asyncio.gather(*(self.handler(k).list() for k in wanted))
        self._live_cache.update(zip(wanted, results, strict=True))
        return dict(zip(wanted, results, strict=True))

    async def reference(self, table: str) -> list[ReferenceRow]:
        """Rows of a reference table from the provider that serves it, read once a session.
        A table may take arguments after its name (``tessitura.output_set_columns/31``)."""
        if table not in self._reference_cache:
            name = table.split("/", 1)[0]
            owner = next((p for p in self._classes.values() if name in p.reference_tables),
                         None)
            if owner is None:
                raise CallboardError(f"no provider serves reference table {table!r}")
            self._reference_cache[table] = await self.provider(owner.name).reference(table)
        return self._reference_cache[table]

    def forget_reads(self) -> None:
        """Drop cached reference tables and listings (apply just changed the services)."""
        self._reference_cache.clear()
        self._live_cache.clear()

    async def live_objects(self, kind: str) -> list[LiveObject]:
        """A kind's live objects, listed once a session (shared by planning steps)."""
        if kind not in self._live_cache:
            self._live_cache[kind] = await self.handler(kind).list()
        return self._live_cache[kind]

    def port(self, name: str) -> Any:
        """The engine-process service ``name`` offered by some provider."""
        for provider_name in sorted(self._classes):
            found = self.provider(provider_name).port(name)
            if found is not None:
                return found
        raise CallboardError(f"no provider offers {name!r}")

    async def aclose(self) -> None:
        for provider in self._providers.values():
            await provider.aclose()
        self._providers.clear()
