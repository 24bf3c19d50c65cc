"""Providers and how the engine finds them without importing them.

A provider is one HTTP service (Prospect2, Tessitura). It declares its kinds, hands out a
handler per kind, and checks that it can reach its service. Providers are registered as
``callboard.providers`` entry points, so ``engine/`` never imports a provider module; the
emulator host (``callboard emulator serve`` and ``--sandbox``) is the ``callboard.emulator``
entry point.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, ClassVar, Protocol

import httpx

from engine.errors import CallboardError
from engine.kinds import Kind, KindHandler, ReferenceRow
from engine.rules import Rule, get_rules


@dataclass
class ProviderContext:
    """Everything a provider needs to connect.

    ``env`` holds the spec §5 variables (TESSITURA_URL, PROSPECT2_API_TOKEN…). ``transport``
    is set in the sandbox and in tests to talk to an in-process emulator through
    ``httpx.ASGITransport``; None means the real network. ``settings["sandbox"]`` tells a
    provider it talks to the in-process sandbox (e.g. no need to pace requests).
    """

    env: Mapping[str, str]
    transport: httpx.AsyncBaseTransport | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: Reads a reference table any provider serves (the session's cached reader), so a
    #: handler can show another service's ids in words (set by ``Session``).
    references: Callable[[str], Awaitable[list[ReferenceRow]]] | None = None


class Provider(ABC):
    """One service. Subclasses set ``name`` and list their handlers; each handler names its
    kind, so adding a kind is one line in ``handlers`` (``kinds`` follows from it)."""

    name: ClassVar[str]
    #: The one registration of this provider's kinds: one handler class per kind.
    handlers: ClassVar[tuple[type[KindHandler], ...]] = ()
    #: The kinds ``handlers`` serve, in the same order (derived; never listed by hand).
    kinds: ClassVar[tuple[type[Kind], ...]] = ()
    #: The package whose modules hold this provider's seed rules (``engine.rules``).
    rules_package: ClassVar[str | None] = None
    #: Reference tables this provider serves to any kind (``"tessitura.activity_types"``).
    reference_tables: ClassVar[frozenset[str]] = frozenset()
    #: The service's published request rate, for the plan's time estimate (None: unlimited).
    rate_per_second: ClassVar[float | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "handlers" in cls.__dict__:
            cls.kinds = tuple(type(handler.kind) for handler in cls.handlers)

    def __init__(self, context: ProviderContext) -> None:
        self.context = context
        self._handlers: dict[str, KindHandler] = {}

    def handler(self, kind: str) -> KindHandler:
        """The handler for one of this provider's kinds, made on first use."""
        if kind not in self._handlers:
            handler_type = next((h for h in self.handlers if h.kind.name == kind), None)
            if handler_type is None:
                raise CallboardError(f"{self.name} has no kind {kind!r}")
            self._handlers[kind] = self.build_handler(handler_type)
        return self._handlers[kind]

    def build_handler(self, handler_type: type[KindHandler]) -> KindHandler:
        """One of ``handlers``, given what it needs (a provider passes its shared client)."""
        return handler_type()

    @classmethod
    def endpoint(cls, env: Mapping[str, str]) -> str | None:
        """Where the service is (its address, never a credential; None when not set). A saved
        plan records it, so a plan made against one service (the sandbox) is never applied to
        another (the organization's own)."""
        return None

    @abstractmethod
    async def check(self) -> None:
        """Fail with ProviderError when the service is unreachable or refuses our credentials."""

    async def reference(self, table: str) -> list[ReferenceRow]:
        """Rows of one of ``reference_tables``."""
        raise CallboardError(f"{self.name} serves no reference table {table!r}")

    async def online_problems(self) -> list[str]:
        """What ``validate --online`` should report beyond reachability (e.g. an old add-on)."""
        return []

    def port(self, name: str) -> Any | None:
        """A service for an engine process (``"writeback.campaigns"``…), or None."""
        return None

    async def aclose(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release connections."""


class EmulatorHost(Protocol):
    """Builds the ASGI app that serves both emulated APIs (and the control API)."""

    def __call__(self, *, seed: str, data_dir: str | None = None,
                 token: str | None = None, tessitura_password: str | None = None) -> Any: ...


def provider_classes() -> list[type[Provider]]:
    found = [ep.load() for ep in entry_points(group="callboard.providers")]
    if not found:
        raise CallboardError(
            "no providers are registered: install Callboard with pip (pip install .) so its "
            "entry points exist")
    return sorted(found, key=lambda p: p.name)


def emulator_host() -> EmulatorHost:
    eps = list(entry_points(group="callboard.emulator"))
    if not eps:
        raise CallboardError("no emulator is registered: install Callboard with pip")
    return eps[0].load()


class KindRegistry:
    """Every kind of every provider, by name, in a stable order, with its seed rules."""

    def __init__(self, classes: list[type[Provider]]) -> None:
        self.kinds: dict[str, Kind] = {}
        self.provider_of: dict[str, str] = {}
        self._rules: dict[str, list[Rule]] = {}
        for provider in classes:
            for kind_cls in provider.kinds:
                kind = kind_cls()
                if kind.name in self.kinds:
                    raise CallboardError(f"kind {kind.name} is declared by two providers")
                self.kinds[kind.name] = kind
                self.provider_of[kind.name] = provider.name
            package = getattr(provider, "rules_package", None)
            for rule in get_rules(package) if package else []:
                for kind_name in rule.kinds:
                    self._rules.setdefault(kind_name, []).append(rule)

    def rules(self, kind: str) -> list[Rule]:
        """The seed rules that check ``kind``'s resources, by name."""
        return self._rules.get(kind, [])

    def __contains__(self, name: str) -> bool:
        return name in self.kinds

    def __getitem__(self, name: str) -> Kind:
        return self.kinds[name]

    def names(self) -> list[str]:
        return list(self.kinds)

    def order(self) -> list[str]:
        """Kinds sorted so that every kind comes after the kinds it depends on."""
        done: list[str] = []

        def visit(name: str, path: tuple[str, ...]) -> None:
            if name in done:
                return
            if name in path:
                raise CallboardError(f"kinds depend on each other in a cycle: {' -> '.join(path)}")
            for dep in self.kinds[name].all_dependencies():
                if dep in self.kinds:
                    visit(dep, (*path, name))
            done.append(name)

        for name in sorted(self.kinds):
            visit(name, ())
        return done
