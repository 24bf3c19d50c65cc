"""A client-side limiter that keeps requests under a service's published rate.

Prospect2 (ActiveCampaign) allows 5 requests per second per account and answers 429 beyond
it. Waiting for our turn is cheaper than being refused, so every request of one client holds
a slot here while it is sent. The service counts a request when it *arrives*, some time after
we start it (the network, the service's own queue) and before its answer is back, so a slot
stays taken until one window after the answer: whatever the delays on the way, no window of
the service's ever sees more than ``burst`` requests. A fixed margin after the start (how
this worked before) guesses those delays instead, and a guess short by a little draws a 429,
which holds every request for its Retry-After.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager


class SlidingWindowLimiter:
    """At most ``burst`` (the whole part of the rate) requests in any window of
    ``burst / rate`` seconds as the service sees them: a request counts from its start until
    one window after it ended (answered, refused or failed). 5 per second: a sixth request
    starts a second after the first one's answer.

    ``clock`` and ``sleep`` are the monotonic clock and the wait (a fake pair in tests)."""

    def __init__(self, rate_per_second: float = 5.0, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.burst = max(1, math.floor(rate_per_second))
        self.window = self.burst / rate_per_second
        self.clock, self.sleep = clock, sleep
        self._open = 0  # requests started and not ended
        self._freed_at: deque[float] = deque()  # when ended requests leave the window
        self._held_until = 0.0
        self._lock = asyncio.Lock()
        self._freed = asyncio.Event()  # set when an open request ends

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a slot around one request: wait for it, send inside, and the slot counts
        until a window after the block is left (answer or error)."""
        await self._take()
        try:
            yield
        finally:
            self._open -= 1
            # the next float up: ``end + window`` rounds down as often as up, and a request
            # let in at a rounded-down instant would share a window with this one
            self._freed_at.append(math.nextafter(self.clock() + self.window, math.inf))
            self._freed.set()

    async def _take(self) -> None:
        async with self._lock:  # FIFO: waiters start in the order they asked
            while True:
                now = self.clock()
                if now < self._held_until:
                    await self.sleep(self._held_until - now)
                    continue
                while self._freed_at and self._freed_at[0] <= now:
                    self._freed_at.popleft()
                if self._open + len(self._freed_at) < self.burst:
                    self._open += 1
                    return
                if self._freed_at:  # the oldest ended request leaves the window then
                    await self.sleep(self._freed_at[0] - now)
                else:  # every slot is in flight: wait for an answer, then its window
                    self._freed.clear()
                    await self._freed.wait()

    def hold(self, seconds: float) -> None:
        """Start nothing for ``seconds`` (the service said 429: everyone backs off, not one)."""
        self._held_until = max(self._held_until, self.clock() + seconds)
