"""When and how long to wait before trying an HTTP call again.

Both services fail transiently (5xx, dropped connections, Prospect2's 429s). Waits grow
exponentially with jitter so that many coroutines retrying at once do not stampede the service
again in lockstep; a bounded number of attempts keeps a dead service from hanging a run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts a call gets and how long to wait between them.

    ``attempts`` bounds tries after failures (5xx, lost connections). A 429 is no failure:
    the service asks us to wait and did nothing, so it has its own, larger budget
    (``rate_limited_attempts``). ``max_delay`` also caps a server's ``Retry-After``, so tests
    can shrink every wait at once.
    """

    attempts: int = 6
    rate_limited_attempts: int = 30
    base_delay: float = 0.5
    max_delay: float = 60.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based), jittered."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return ceiling * self.rng.uniform(0.5, 1.0)

    def wait_for(self, response: httpx.Response, attempt: int) -> float:
        """The server's ``Retry-After`` when it gave one, else our own backoff."""
        asked = retry_after_seconds(response)
        if asked is None:
            return self.backoff(attempt)
        return min(self.max_delay, asked)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date; None when absent/bad."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


#: Transport errors raised before any byte of the request left: always safe to send again.
NOT_SENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)


def request_was_not_sent(exc: httpx.TransportError) -> bool:
    """True when the service cannot have acted on the request (it never arrived)."""
    return isinstance(exc, NOT_SENT_ERRORS)
