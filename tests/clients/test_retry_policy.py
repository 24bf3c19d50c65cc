"""Retry timing: exponential, jittered, bounded, and obedient to Retry-After."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx

from providers.http.retry import RetryPolicy, retry_after_seconds


def answer_with(retry_after: str | None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return httpx.Response(429, headers=headers)


def test_backoff_grows_is_jittered_and_capped() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, rng=random.Random(1))
    waits = [policy.backoff(n) for n in range(1, 7)]
    for n, wait in enumerate(waits, start=1):
        ceiling = min(8.0, 2.0 ** (n - 1))
        assert ceiling / 2 <= wait <= ceiling
    assert len({round(w, 6) for w in waits}) == len(waits)


def test_retry_after_seconds_and_http_dates() -> None:
    assert retry_after_seconds(answer_with("3")) == 3.0
    assert retry_after_seconds(answer_with(None)) is None
    assert retry_after_seconds(answer_with("soon")) is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (retry_after_seconds(answer_with(later)) or 0) <= 30


def test_the_server_wait_is_used_up_to_the_cap() -> None:
    policy = RetryPolicy(base_delay=0.001, max_delay=10.0)
    assert policy.wait_for(answer_with("2"), attempt=1) == 2.0
    assert policy.wait_for(answer_with("120"), attempt=1) == 10.0
    assert policy.wait_for(answer_with(None), attempt=1) <= 0.001
