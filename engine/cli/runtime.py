"""What every command needs: where the manifests and state are, how to reach the services, and
the one place a command's work runs (state opened, locked and closed; one session; one event
loop), so no command opens, locks or tears down anything by hand.

``--sandbox`` runs both emulators in-process (through ``httpx.ASGITransport``) with their data
under ``.callboard/sandbox/``, so commands work across invocations with no configuration. The
sandbox keeps its own state file there too, so sandbox ids never mix with a real organization's.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import socket
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import click
import httpx

from engine.cli.output import Output
from engine.errors import CallboardError
from engine.interrupts import stoppable
from engine.manifests.loader import ManifestSet, load_manifests
from engine.providers import KindRegistry, ProviderContext, emulator_host, provider_classes
from engine.session import Session
from engine.state import DEFAULT_STATE, SANDBOX_STATE, StateStore, open_state
from engine.sync.locking import lock_wait, state_locked
from engine.sync.notify import SMTP_URL_ENV

SANDBOX_DIR = ".callboard/sandbox"
#: Commands that only look at state: they open it read-only, so where there is none yet they
#: see an empty state and create nothing (no file, no .callboard/ directory, no schema).
READ_ONLY_COMMANDS = frozenset({"plan", "drift", "validate", "output", "state list",
                                "state show", "sync preview", "sync log"})
SANDBOX_HOST = "http://sandbox.callboard.invalid"
SANDBOX_ENV = {
    "PROSPECT2_URL": f"{SANDBOX_HOST}/api/3",
    "PROSPECT2_API_TOKEN": "emulator-token",
    "TESSITURA_URL": f"{SANDBOX_HOST}/TessituraService",
    "TESSITURA_USER": "callboard",
    "TESSITURA_USERGROUP": "admin",
    "TESSITURA_LOCATION": "emulator",
    "TESSITURA_PASSWORD": "emulator",
}
#: Settings Callboard itself reads (not a service's): the sandbox passes them through.
ENGINE_ENV = (SMTP_URL_ENV,)
_T = TypeVar("_T")


def lock_holder() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()} pid {os.getpid()}"


@dataclass
class Runtime:
    manifests_dir: Path
    state_url: str | None = None
    sandbox: bool = False
    sandbox_dir: Path = Path(SANDBOX_DIR)
    color: bool = True
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    sandbox_seed: str = "demo"
    output: Output = field(default_factory=lambda: Output(color=False))

    def registry(self) -> KindRegistry:
        return KindRegistry(provider_classes())

    def load(self) -> ManifestSet:
        return load_manifests(self.manifests_dir, self.registry())

    def open_state(self) -> StateStore:
        url = self.state_url or (None if self.sandbox else self.env.get("CALLBOARD_STATE"))
        if not url:
            url = str(self.sandbox_dir / "state.db") if self.sandbox else DEFAULT_STATE
            if self.sandbox and self.sandbox_dir == Path(SANDBOX_DIR):
                url = SANDBOX_STATE
        return open_state(url, read_only=_running() in READ_ONLY_COMMANDS)

    def sandbox_app(self):  # noqa: ANN201 - an ASGI app
        self.sandbox_dir.mkdir(parents=True, exist_ok=True)
        return emulator_host()(seed=self.sandbox_seed, data_dir=str(self.sandbox_dir))

    def service_env(self) -> Mapping[str, str]:
        """The variables the providers read: the sandbox's own under --sandbox."""
        if self.sandbox:
            own = {k: v for k, v in self.env.items() if k in ENGINE_ENV}
            return {**SANDBOX_ENV, **own}
        return self.env

    def endpoint(self, provider: str) -> str | None:
        """Where this run talks to ``provider`` (no service is contacted)."""
        classes = {cls.name: cls for cls in provider_classes()}
        return classes[provider].endpoint(self.service_env()) if provider in classes else None

    def provider_context(self) -> ProviderContext:
        if self.sandbox:
            transport = httpx.ASGITransport(app=self.sandbox_app())
            return ProviderContext(env=self.service_env(), transport=transport,
                                   settings={"sandbox": True})
        return ProviderContext(env=self.env)

    def session(self) -> Session:
        return Session(provider_classes(), self.provider_context())

    @contextmanager
    def state(self, lock: str | None = None) -> Iterator[StateStore]:
        """This run's state, held under the apply lock for ``lock`` (an operation's name) when
        given, and closed afterwards whatever happens."""
        store = self.open_state()
        try:
            if lock is None:
                yield store
            else:
                with state_locked(store, lock_holder(), lock, wait=lock_wait(self.env),
                                  say=self.output.err):
                    yield store
        finally:
            store.close()

    def run(self, work: Callable[[Job], Awaitable[_T]], *, state: bool = True,
            lock: str | None = None) -> _T:
        """Run a command's async work: the only event loop the CLI starts, with Ctrl-C handled
        once for every command (``engine.interrupts``). ``state=False`` for work that needs no
        state (reading the services, the emulators' control API)."""
        with self.state(lock) if state else nullcontext() as store:
            return asyncio.run(stoppable(Job(self, store).perform(work), self.output.err))


class Job:
    """What a command's async work is given: the run's state and one session, opened on first
    use (so work that never talks to the services never starts a sandbox) and closed after."""

    def __init__(self, runtime: Runtime, state: StateStore | None) -> None:
        self.runtime = runtime
        self._state = state
        self._session: Session | None = None

    @property
    def state(self) -> StateStore:
        if self._state is None:
            raise RuntimeError("this work was started without state")
        return self._state

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self.runtime.session()
        return self._session

    async def perform(self, work: Callable[[Job], Awaitable[_T]]) -> _T:
        try:
            return await work(self)
        finally:
            if self._session is not None:
                await self._session.aclose()


def _running() -> str:
    """The command being run, as ``state list`` (without the program's name)."""
    ctx, names = click.get_current_context(silent=True), []
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(names))


def require(value: str | None, what: str) -> str:
    if not value:
        raise CallboardError(f"{what} is required")
    return value
