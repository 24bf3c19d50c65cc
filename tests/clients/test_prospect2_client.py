"""Prospect2Client against the in-process emulator: paging, pacing, retries, errors."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from client_support import FAST_RETRY, PROSPECT2_URL, TOKEN, EmulatorControl

from engine.errors import ProviderError
from providers.http.rate_limit import SlidingWindowLimiter
from providers.http.retry import RetryPolicy
from providers.prospect2.client import Prospect2Client

pytestmark = pytest.mark.anyio


@pytest.fixture
async def fast_client(transport: httpx.ASGITransport) -> AsyncIterator[Prospect2Client]:
    """No pacing to speak of, tiny backoff: for tests about paging and retries."""
    client = Prospect2Client(PROSPECT2_URL, TOKEN, transport, rate_per_second=10_000,
                             retry=FAST_RETRY)
    yield client
    await client.aclose()


async def exact_tag(client: Prospect2Client, name: str) -> list[dict]:
    return [t for t in await client.paged("/tags", "tags", {"search": name}) if t["tag"] == name]


async def test_paged_reads_every_object_across_pages(
        fast_client: Prospect2Client, control: EmulatorControl) -> None:
    before = await fast_client.paged("/tags", "tags")
    for n in range(150):
        await fast_client.post("/tags", {"tag": {"tag": f"paging {n:03}", "tagType": "contact"}})
    requests_before = await control.count("GET /api/3/tags")

    tags = await fast_client.paged("/tags", "tags")

    names = {t["tag"] for t in tags}
    assert {f"paging {n:03}" for n in range(150)} <= names
    assert len(tags) == len(before) + 150
    assert len({t["id"] for t in tags}) == len(tags)
    pages = math.ceil(len(tags) / 100)
    assert await control.count("GET /api/3/tags") - requests_before == pages


async def test_limiter_stays_under_the_account_rate_limit(
        transport: httpx.ASGITransport, control: EmulatorControl) -> None:
    """No 429 from the enforcing emulator (when each request may start is pinned on a fake
    clock: tests/providers/test_rate_limiter.py)."""
    await control.faults(enforce_rate_limit=True)
    client = Prospect2Client(PROSPECT2_URL, TOKEN, transport, retry=FAST_RETRY)
    try:
        await asyncio.gather(*(client.get("/tags", {"limit": 1}) for _ in range(20)))
    finally:
        await client.aclose()

    assert (await control.stats())["rate_limited"] == 0
    assert client.rate_limited == 0
    assert client.requests_made == 20


async def test_emulator_refuses_an_unpaced_burst(
        transport: httpx.ASGITransport, control: EmulatorControl) -> None:
    """The check above can fail: without pacing, the emulator does answer 429."""
    await control.faults(enforce_rate_limit=True)
    async with httpx.AsyncClient(transport=transport, base_url=PROSPECT2_URL + "/",
                                 headers={"Api-Token": TOKEN}) as raw:
        answers = await asyncio.gather(*(raw.get("tags", params={"limit": 1})
                                         for _ in range(20)))
    assert 429 in {a.status_code for a in answers}


async def test_429_answers_are_retried_until_they_succeed(
        fast_client: Prospect2Client, control: EmulatorControl) -> None:
    await control.faults(rate_429=0.5)
    answers = [await fast_client.get("/tags", {"limit": 1}) for _ in range(20)]

    assert all("tags" in a for a in answers)
    assert fast_client.rate_limited > 0
    assert fast_client.requests_made == 20 + fast_client.rate_limited


async def test_server_errors_on_reads_are_retried(
        fast_client: Prospect2Client, control: EmulatorControl) -> None:
    await control.faults(error_rate=0.5)
    answers = [await fast_client.get("/fields") for _ in range(10)]

    assert all("fields" in a for a in answers)
    assert await control.count("GET /api/3/fields") > 10


async def test_a_create_whose_answer_was_lost_leaves_exactly_one_object(
        fast_client: Prospect2Client, control: EmulatorControl) -> None:
    """Every POST fails; the finder restores the service, then looks before a second POST."""
    await control.faults(error_rate=1.0)
    finder_calls = 0

    async def find_existing() -> dict | None:
        nonlocal finder_calls
        finder_calls += 1
        await control.faults(error_rate=0.0)
        found = await exact_tag(fast_client, "Lost answer")
        return found[0] if found else None

    tag = await fast_client.create(
        "/tags", "tag", {"tag": "Lost answer", "tagType": "contact"},
        find_existing=find_existing)

    assert tag["tag"] == "Lost answer"
    assert finder_calls == 1
    assert [t["id"] for t in await exact_tag(fast_client, "Lost answer")] == [tag["id"]]


async def test_a_plain_post_is_not_sent_twice_after_a_server_error(
        fast_client: Prospect2Client, control: EmulatorControl) -> None:
    await control.faults(error_rate=1.0)
    with pytest.raises(ProviderError, match=r"POST /tags failed with 500"):
        await fast_client.post("/tags", {"tag": {"tag": "Once only", "tagType": "contact"}})
    assert await control.count("POST /api/3/tags") == 1


async def test_errors_name_the_call_and_the_field(fast_client: Prospect2Client) -> None:
    with pytest.raises(ProviderError) as caught:
        await fast_client.post("/fields", {"field": {"title": "No type given"}})
    message = str(caught.value)
    assert "POST /fields failed with 4" in message
    assert "(field type)" in message


async def test_a_missing_object_is_a_clear_error(fast_client: Prospect2Client) -> None:
    with pytest.raises(ProviderError, match=r"PUT /tags/999999 failed with 404"):
        await fast_client.put("/tags/999999", "tag", {"tag": "x"})
    await fast_client.delete("/tags/999999", missing_ok=True)  # already gone is fine


async def test_a_wrong_token_is_named_without_revealing_it(
        transport: httpx.ASGITransport) -> None:
    client = Prospect2Client(PROSPECT2_URL, "not-the-token", transport, retry=FAST_RETRY)
    try:
        with pytest.raises(ProviderError) as caught:
            await client.get("/tessitura/account")
    finally:
        await client.aclose()
    assert "Prospect2 refused the API token (PROSPECT2_API_TOKEN)" in str(caught.value)
    assert "not-the-token" not in str(caught.value)


async def test_an_unreachable_service_names_its_url() -> None:
    retry = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.005)
    client = Prospect2Client("http://127.0.0.1:9/api/3", TOKEN, retry=retry)
    try:
        with pytest.raises(ProviderError, match=r"cannot reach Prospect2 at http://127\.0\.0"
                                                r"\.1:9/api/3"):
            await client.get("/tags")
    finally:
        await client.aclose()
    assert client.requests_made == 3


# -- exchange: refusals as answers -------------------------------------------------------

async def test_exchange_returns_accepted_refusals_with_their_body(
        fast_client: Prospect2Client) -> None:
    status, data = await fast_client.exchange(
        "POST", "/import/bulk_import", replay_safe=True, accept=(400,),
        body={"contacts": [{"email": "no-at-sign", "tags": ["T"]}]})
    assert status == 400
    assert data["failureReasons"][0]["contact"] == 0

    assert (await fast_client.exchange("DELETE", "/tags/999999", replay_safe=True,
                                       accept=(404,)))[0] == 404
    with pytest.raises(ProviderError, match=r"DELETE /tags/999999 failed with 404"):
        await fast_client.exchange("DELETE", "/tags/999999", replay_safe=True, accept=(400,))


async def test_exchange_answers_successes_with_their_status(
        fast_client: Prospect2Client) -> None:
    status, data = await fast_client.exchange("GET", "/tags", params={"limit": 1},
                                              replay_safe=True, accept=(404,))
    assert status == 200 and "tags" in data


async def test_exchange_waits_out_429s_before_answering(
        fast_client: Prospect2Client, control: EmulatorControl) -> None:
    await control.faults(rate_429=0.5)
    answers = [await fast_client.exchange("DELETE", "/tags/999999", replay_safe=True,
                                          accept=(404,)) for _ in range(10)]
    assert [status for status, _ in answers] == [404] * 10
    assert fast_client.rate_limited > 0
    assert fast_client.requests_made == 10 + fast_client.rate_limited


async def test_an_accepted_server_error_is_not_resent_when_not_replay_safe(
        fast_client: Prospect2Client, control: EmulatorControl) -> None:
    await control.faults(error_rate=1.0)
    status, _ = await fast_client.exchange(
        "POST", "/tags", body={"tag": {"tag": "Once", "tagType": "contact"}},
        replay_safe=False, accept=(500,))
    assert status == 500
    assert await control.count("POST /api/3/tags") == 1


class RateLimitsFirst(httpx.AsyncBaseTransport):
    """Answers the first request to ``path`` with ActiveCampaign's "Rate limit exceeded."
    under ``status`` (AC sends it as a 429 and, for imports, as a 400), then passes all on."""

    def __init__(self, inner: httpx.AsyncBaseTransport, path: str, status: int,
                 retry_after: str | None = None) -> None:
        self.inner = inner
        self.path = path
        self.status = status
        self.retry_after = retry_after
        self.refused = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(self.path) and not self.refused:
            self.refused += 1
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return httpx.Response(self.status, request=request, headers=headers, json={
                "success": 0, "message": "Rate limit exceeded.",
                "failureReasons": ["Up to 100 imports may be requested per minute."]})
        return await self.inner.handle_async_request(request)


async def test_rate_limit_exceeded_under_a_400_is_waited_out_not_returned(
        transport: httpx.ASGITransport, control: EmulatorControl) -> None:
    client = Prospect2Client(PROSPECT2_URL, TOKEN, RateLimitsFirst(transport, "/tags", 400),
                             rate_per_second=10_000, retry=FAST_RETRY)
    try:
        status, data = await client.exchange("GET", "/tags", params={"limit": 1},
                                             replay_safe=True, accept=(400,))
        assert status == 200 and "tags" in data
        assert client.rate_limited == 1
        assert client.requests_made == 2
    finally:
        await client.aclose()


@pytest.mark.parametrize("own_limit", [True, False])
async def test_a_rate_limited_call_holds_its_own_limit_when_it_has_one(
        transport: httpx.ASGITransport, own_limit: bool) -> None:
    """An import refused by the imports-a-minute limit pauses imports, not other calls."""
    retry = RetryPolicy(attempts=6, base_delay=0.001, max_delay=1.0)
    client = Prospect2Client(PROSPECT2_URL, TOKEN,
                             RateLimitsFirst(transport, "/tags", 429, retry_after="0.4"),
                             rate_per_second=10_000, retry=retry)
    imports = SlidingWindowLimiter(10_000) if own_limit else None
    started = time.monotonic()
    try:
        limited = asyncio.create_task(client.exchange("GET", "/tags", replay_safe=True,
                                                      limit=imports))
        while client.rate_limited == 0:
            await asyncio.sleep(0.001)
        await client.get("/fields")
        other_call = time.monotonic() - started
        await limited
        limited_call = time.monotonic() - started
    finally:
        await client.aclose()
    assert limited_call >= 0.4
    assert (other_call < 0.2) == own_limit


async def test_not_found_words_under_403_are_a_missing_object(
        fast_client: Prospect2Client) -> None:
    """AC answers ``DELETE /lists/{id}`` and ``GET /fieldValues/{id}`` for a missing object
    with 403 and "No Result found for ...": gone, not a refused token."""
    await fast_client.delete("/lists/999999", missing_ok=True)  # no error: already gone
    with pytest.raises(ProviderError) as caught:
        await fast_client.get("/fieldValues/999999")
    message = str(caught.value)
    assert "failed with 404" in message and "No Result found for FieldValue" in message
    assert "PROSPECT2_API_TOKEN" not in message
