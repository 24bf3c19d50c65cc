"""A client-side limiter that keeps request starts under a service's published rate.

Prospect2 (ActiveCampaign) allows 5 requests per second per account and answers 429 beyond
it. Waiting for our turn is cheaper than being refused, so every coroutine of one client
takes a start slot here first. A small margin widens the window because requests that left
together may reach the server slightly apart.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque


class SlidingWindowLimiter:
    """At most ``burst`` (the whole part of the rate) request starts in any window of
    ``burst / rate + margin`` seconds: 5 per second means 5 starts in any 1.1 s."""

    def __init__(self, rate_per_second: float = 5.0, *, margin_seconds: float = 0.1) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.burst = max(1, math.floor(rate_per_second))
        self.window = self.burst / rate_per_second + margin_seconds
        self._starts: deque[float] = deque()
        self._held_until = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until a new request may start, then record its start."""
        async with self._lock:  # FIFO: waiters start in the order they asked
            while True:
                now = time.monotonic()
                if now < self._held_until:
                    await asyncio.sleep(self._held_until - now)
                    continue
                while self._starts and now - self._starts[0] >= self.window:
                    self._starts.popleft()
                if len(self._starts) < self.burst:
                    self._starts.append(now)
                    return
                await asyncio.sleep(self.window - (now - self._starts[0]))

    def hold(self, seconds: float) -> None:
        """Start nothing for ``seconds`` (the service said 429: everyone backs off, not one)."""
        self._held_until = max(self._held_until, time.monotonic() + seconds)
