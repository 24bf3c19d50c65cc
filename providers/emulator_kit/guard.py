"""The outside world's misbehaviour, applied in front of one emulated API.

Both emulators sit behind the same guard so that latency, injected failures, rate limiting and
request statistics behave identically on every route: a client's retry and pacing logic is
tested against one consistent model instead of per-handler special cases.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable

import anyio
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from providers.emulator_kit.control import EmulatorControl

#: Stats key used for paths that match no route, so unknown URLs cannot grow the table.
UNMATCHED_TEMPLATE = "<unmatched>"


def route_template(routes: list[BaseRoute], scope: Scope) -> str:
    """``/api/3/tags/{id}`` for ``/api/3/tags/7``: the mount prefix plus the matching route.

    A route that matches the path but not the method (a 405) still names the same template.
    """
    prefix = scope.get("root_path", "")
    partial: str | None = None
    for route in routes:
        match, child = route.matches(scope)
        if match is Match.NONE:
            continue
        if isinstance(route, Mount):
            return route_template(list(route.routes), {**scope, **child})
        template = prefix + getattr(route, "path", "/" + UNMATCHED_TEMPLATE)
        if match is Match.FULL:
            return template
        partial = partial or template
    return partial or prefix + "/" + UNMATCHED_TEMPLATE


def account_key(scope: Scope) -> str:
    """Who is calling, for per-account limits: the API token, else the Authorization header."""
    headers = dict(scope.get("headers") or [])
    token = headers.get(b"api-token") or headers.get(b"authorization") or b""
    return token.decode("latin-1")


class SlidingWindowLimiter:
    """At most ``limit`` accepted calls per account in any ``window`` seconds (real time).

    Real time, not the emulator clock: the limit models the server's capacity, which does
    not stop when a test freezes the emulated calendar.
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._calls: dict[str, deque[float]] = defaultdict(deque)

    def admit(self, account: str, scale: float = 1.0) -> bool:
        """``scale`` multiplies the limit (the control API's ``rate_limit_scale``)."""
        now = time.monotonic()
        calls = self._calls[account]
        while calls and now - calls[0] >= self.window:
            calls.popleft()
        if len(calls) >= self.limit * scale:
            return False
        calls.append(now)
        return True


async def _drain_to_nowhere(message: Message) -> None:
    """Swallows the real answer of a write whose reply the fault model says was lost."""


def guarded(app: ASGIApp, routes: list[BaseRoute], control: EmulatorControl, *,
            error_response: Callable[[int, str], Response],
            rate_limit_per_second: float | None) -> ASGIApp:
    """Wrap one emulated API with statistics, latency, injected faults and a real rate limit.

    ``routes`` are the API's own routes (relative to its mount); ``error_response`` renders an
    error in that API's wire format. Non-GET requests that draw an injected 500 fail *after*
    the handler ran half of the time: the write happened but the answer was lost, which is
    what makes retries of non-idempotent calls dangerous.
    """
    limiter = (SlidingWindowLimiter(max(1, int(rate_limit_per_second)), 1.0)
               if rate_limit_per_second else None)

    async def guard(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        method: str = scope["method"]
        control.stats.record(f"{method} {route_template(routes, scope)}")
        faults = control.faults

        if limiter is not None and faults.enforce_rate_limit and not limiter.admit(
                account_key(scope), faults.rate_limit_scale):
            control.stats.rate_limited += 1
            await _reply(error_response(429, "Rate limit exceeded"), scope, receive, send,
                         retry_after=True)
            return
        if faults.latency_ms:
            await anyio.sleep(faults.latency_ms / 1000)
        if faults.rate_429 and control.rng.random() < faults.rate_429:
            await _reply(error_response(429, "Too many requests"), scope, receive, send,
                         retry_after=True)
            return
        if faults.error_rate and control.rng.random() < faults.error_rate:
            lost_after_write = method != "GET" and control.rng.random() < 0.5
            if lost_after_write:
                await app(scope, receive, _drain_to_nowhere)
            await _reply(error_response(500, "Internal server error (injected)"),
                         scope, receive, send)
            return
        await app(scope, receive, send)

    return guard


async def _reply(response: Response, scope: Scope, receive: Receive, send: Send, *,
                 retry_after: bool = False) -> None:
    if retry_after:
        response.headers["Retry-After"] = "1"
    await response(scope, receive, send)
