"""The Prospect2 (ActiveCampaign v3) HTTP client: auth, wrapping, paging, limits, retries.

Everything that knows how Prospect2 spells a request lives here or in a kind module; the
handlers and the sync call ``get``/``put``/``delete``/``create``/``paged`` and receive plain
dicts. A caller for whom a refusal is an answer (the bulk import's 400 lists the refused
contacts) calls ``exchange`` and reads the status itself, through the same loop. Two
promises: we never exceed the account's rate limit on our own, and we never send a
non-idempotent request twice unless we know the first one did nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

import httpx

from engine.errors import ProviderError
from providers.http.rate_limit import SlidingWindowLimiter
from providers.http.retry import RetryPolicy, request_was_not_sent

log = logging.getLogger(__name__)

#: Most objects ActiveCampaign returns per page.
PAGE_SIZE = 100

#: ActiveCampaign's words for a refused-for-rate request, sometimes under a status other than
#: 429 (the bulk import answers its 100-a-minute limit so): the request did nothing.
RATE_LIMIT_MESSAGE = "rate limit exceeded"
#: An account's documented request budget (5 a second): clients pace themselves under it,
#: plans estimate time by it and sync runs' progress bars budget their ETA with it.
PUBLISHED_RATE = 5.0

#: Called before re-sending a create whose answer was lost; returns the object if it exists.
FindExisting = Callable[[], Awaitable[dict[str, Any] | None]]
_Recover = Callable[[], Awaitable[bool]]


class Pacer(Protocol):
    """A limit on requests: ``slot`` is held around one request (waiting for a turn first),
    ``hold`` pauses every start (``SlidingWindowLimiter`` is one)."""

    def slot(self) -> AbstractAsyncContextManager[None]: ...

    def hold(self, seconds: float) -> None: ...


class _Unlimited:
    """The narrower limit of a call that has none."""

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        yield

    def hold(self, seconds: float) -> None:
        """Never asked: a call without a limit of its own holds the account's."""


_NO_LIMIT = _Unlimited()


class Prospect2Client:
    """One account's API. Share one instance among coroutines so they share the rate limit.

    ``requests_made`` and ``rate_limited`` count requests sent and 429 answers received, for
    run reports and benchmarks.
    """

    def __init__(self, base_url: str, token: str,
                 transport: httpx.AsyncBaseTransport | None = None, *,
                 rate_per_second: float = PUBLISHED_RATE, retry: RetryPolicy | None = None,
                 timeout_seconds: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.limiter = SlidingWindowLimiter(rate_per_second)
        self.requests_made = 0
        self.rate_limited = 0
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/",
            headers={"Api-Token": token, "Accept": "application/json"},
            transport=transport,
            timeout=timeout_seconds,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- plain calls -----------------------------------------------------------------------

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The decoded answer of a GET (retried freely: reading changes nothing)."""
        return await self._call("GET", path, params=params, replay_safe=True) or {}

    async def put(self, path: str, key: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Update one object: ``body`` is wrapped in ``key`` and the answer unwrapped."""
        answer = await self._call("PUT", path, body={key: dict(body)}, replay_safe=True)
        return _unwrap(answer, key)

    async def delete(self, path: str, *, missing_ok: bool = False) -> None:
        """Delete one object; ``missing_ok`` treats 404 as done (e.g. our earlier try worked)."""
        status, _ = await self.exchange("DELETE", path, replay_safe=True,
                                        accept=(404,) if missing_ok else ())
        if status == 404:
            log.info("prospect2: DELETE %s: already gone", path)

    async def post(self, path: str, body: Mapping[str, Any], *,
                   idempotent: bool = False) -> dict[str, Any]:
        """A POST. Retried after a 5xx or a dropped connection only when ``idempotent``
        (an upsert such as ``/contact/sync``); otherwise such a failure is an error, because
        the service may already have acted on it."""
        return await self._call("POST", path, body=dict(body), replay_safe=idempotent) or {}

    async def create(self, path: str, key: str, body: Mapping[str, Any], *,
                     find_existing: FindExisting) -> dict[str, Any]:
        """Create one object and return it unwrapped, never leaving a duplicate.

        When a POST fails in a way that may have created the object (5xx, connection lost
        after sending), ``find_existing`` is asked first and its object returned if found;
        only otherwise is the POST sent again.
        """
        found: dict[str, Any] | None = None

        async def recover() -> bool:
            nonlocal found
            found = await find_existing()
            return found is not None

        answer = await self._send("POST", path, body={key: dict(body)}, replay_safe=False,
                                  recover=recover)
        if answer is None:
            assert found is not None
            log.info("prospect2: POST %s: answer lost, found the created object %s",
                     path, found.get("id"))
            return found
        return _unwrap(answer[1], key)

    async def paged(self, path: str, key: str,
                    params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every object of a list endpoint: one pass of ``limit=100`` pages.

        The first page tells the total (``meta.total``, a string); the remaining pages are
        requested together and the limiter paces them. Objects seen twice (the list shifted
        while we read) are kept once.
        """
        return _dedupe([item for answer in await self._pages(path, key, params)
                        for item in answer.get(key) or []])

    async def paged_with(self, path: str, key: str, sideloads: tuple[str, ...],
                         params: Mapping[str, Any] | None = None
                         ) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
        """``paged``, and the objects each page sideloads beside its own (``GET /fields``
        sends its fields' ``fieldOptions`` and ``fieldRels``): the same requests, no more."""
        answers = await self._pages(path, key, params)
        loaded = {name: _dedupe([item for answer in answers for item in answer.get(name) or []])
                  for name in sideloads}
        return _dedupe([item for answer in answers for item in answer.get(key) or []]), loaded

    async def _pages(self, path: str, key: str,
                     params: Mapping[str, Any] | None) -> list[dict[str, Any]]:
        base = dict(params or {})
        first = await self.get(path, {**base, "limit": PAGE_SIZE, "offset": 0})
        answers = [first]
        seen = len(first.get(key) or [])
        total = _total(first)
        if total is None:
            page = seen
            while page == PAGE_SIZE:  # no meta: read on until a short page
                answer = await self.get(path, {**base, "limit": PAGE_SIZE, "offset": seen})
                answers.append(answer)
                page = len(answer.get(key) or [])
                seen += page
        elif total > seen and seen:
            # step by what the first page held, in case the service caps pages below 100
            answers += await asyncio.gather(*(
                self.get(path, {**base, "limit": PAGE_SIZE, "offset": offset})
                for offset in range(seen, total, seen)))
        return answers

    async def post_once(self, path: str, body: Mapping[str, Any], *,
                        took_effect: Callable[[], Awaitable[bool]]) -> dict[str, Any] | None:
        """A POST that must not be repeated blindly (``/fieldOption/bulk`` refuses options
        that exist). After an ambiguous failure ``took_effect`` is asked before sending it
        again; None means the first attempt did take effect (read what it made)."""
        answer = await self._send("POST", path, body=dict(body), replay_safe=False,
                                  recover=took_effect)
        return None if answer is None else (answer[1] or {})

    async def exchange(self, method: str, path: str, *, body: Any = None,
                       params: Mapping[str, Any] | None = None, replay_safe: bool,
                       accept: Collection[int] = (), limit: Pacer | None = None
                       ) -> tuple[int, Any]:
        """``(status, decoded body)`` of one call, for callers that read some refusals.

        Paced, counted and retried like every call (429s and "Rate limit exceeded." are
        waited out, 5xx and lost connections retried when ``replay_safe``); a final 4xx or
        5xx whose status is in ``accept`` is returned instead of raised. ``limit`` is a
        narrower limit the call also counts against (imports per minute): taken before each
        attempt, and held instead of the account's limiter when the call is rate limited.
        A call that is not ``replay_safe`` is never sent twice after an ambiguous failure.
        """
        answer = await self._send(method, path, params=params, body=body,
                                  replay_safe=replay_safe, accept=accept, limit=limit)
        assert answer is not None  # only a ``recover`` can end the loop without an answer
        return answer

    # -- the request loop ------------------------------------------------------------------

    async def _call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                    body: Any = None, replay_safe: bool) -> Any:
        """The decoded body of a call that must succeed (None for an empty body)."""
        _, data = await self.exchange(method, path, params=params, body=body,
                                      replay_safe=replay_safe)
        return data

    async def _send(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                    body: Any = None, replay_safe: bool, accept: Collection[int] = (),
                    limit: Pacer | None = None, recover: _Recover | None = None
                    ) -> tuple[int, Any] | None:
        """The one loop every call goes through: pacing, rate limits, retries, errors.

        ``replay_safe``: sending twice does no harm. Otherwise an ambiguous failure is
        retried only after ``recover`` confirmed the first attempt left nothing behind;
        None when ``recover`` found that the first attempt did take effect.
        """
        failures = throttled = 0
        while True:
            last = failures + 1 >= self.retry.attempts
            try:
                async with (limit or _NO_LIMIT).slot(), self.limiter.slot():
                    self.requests_made += 1
                    response = await self._http.request(method, path, params=params,
                                                        json=body)
            except httpx.TransportError as exc:
                failures += 1
                if last or self._http.is_closed:  # closed: the command already ended
                    raise self._unreachable(method, path, exc) from exc
                if not request_was_not_sent(exc) and not replay_safe:
                    if recover is None:
                        raise self._unreachable(method, path, exc) from exc
                    if await recover():
                        return None
                log.warning("prospect2: %s %s: %s; retrying", method, path,
                            str(exc) or type(exc).__name__)
                await asyncio.sleep(self.retry.backoff(failures))
                continue
            status = response.status_code
            if status == 403 and _names_missing_object(response):
                status = 404  # AC's not-found words under 403 (GET /fieldValues/{id} ...)
            if _rate_limited(response):  # refused before doing anything: safe to send again
                self.rate_limited += 1
                throttled += 1
                if throttled >= self.retry.rate_limited_attempts:
                    raise ProviderError(
                        f"Prospect2 {method} {path} was still rate limited ({status}) after "
                        f"{throttled} attempts", status=status)
                wait = self.retry.wait_for(response, throttled)
                (limit or self.limiter).hold(wait)
                continue
            if status >= 500 and not last and (replay_safe or recover is not None):
                failures += 1
                if recover is not None and not replay_safe and await recover():
                    return None
                log.warning("prospect2: %s %s answered %s; retrying", method, path, status)
                await asyncio.sleep(self.retry.backoff(failures))
                continue
            if status >= 400 and status not in accept:
                raise self._error(method, path, response, status)
            return status, _json(response)

    def _unreachable(self, method: str, path: str, exc: httpx.TransportError) -> ProviderError:
        detail = str(exc) or type(exc).__name__
        return ProviderError(
            f"cannot reach Prospect2 at {self.base_url} ({method} {path}: {detail}); "
            "check PROSPECT2_URL and the network")

    def _error(self, method: str, path: str, response: httpx.Response, status: int
               ) -> ProviderError:
        if status in (401, 403):
            return ProviderError(
                f"Prospect2 refused the API token (PROSPECT2_API_TOKEN): {method} {path} "
                f"answered {status}", status=status)
        return ProviderError(
            f"Prospect2 {method} {path} failed with {status}: {_describe(response)}",
            status=status)


def _names_missing_object(response: httpx.Response) -> bool:
    """ActiveCampaign answers a few missing objects with 403 and its not-found words (its
    descriptions of ``GET /fieldValues/{id}``, ``DELETE /lists/{id}`` and
    ``DELETE /contactAutomations/{id}`` say so): that is a 404, not a refused token."""
    data = _json(response)
    return isinstance(data, dict) and str(data.get("message", "")).startswith(
        "No Result found for ")


def _rate_limited(response: httpx.Response) -> bool:
    """A 429, or a refusal in ActiveCampaign's words for one under another status."""
    if response.status_code == 429:
        return True
    if response.status_code < 400:
        return False
    data = _json(response)
    return (isinstance(data, dict)
            and str(data.get("message", "")).strip().lower().startswith(RATE_LIMIT_MESSAGE))


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _unwrap(answer: Any, key: str) -> dict[str, Any]:
    if isinstance(answer, dict) and isinstance(answer.get(key), dict):
        return answer[key]
    raise ProviderError(f"Prospect2 answered without the expected {key!r} object: {answer!r:.200}")


def _total(answer: Mapping[str, Any]) -> int | None:
    meta = answer.get("meta")
    if not isinstance(meta, dict) or meta.get("total") is None:
        return None
    try:
        return int(meta["total"])
    except (TypeError, ValueError):
        return None


def _dedupe(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    unique: list[dict[str, Any]] = []
    for item in items:
        ident = str(item.get("id", ""))
        if ident and ident in seen:
            continue
        seen.add(ident)
        unique.append(item)
    return unique


def _describe(response: httpx.Response) -> str:
    """The service's own words: ``errors[]`` (title, detail, pointer field) or ``message``."""
    data = _json(response)
    if isinstance(data, dict):
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            return "; ".join(_describe_one(e) for e in errors if isinstance(e, dict))
        reasons = data.get("failureReasons")
        if isinstance(reasons, list) and reasons:
            parts = [f"contact {r.get('contact')}: {r.get('failureReason')}"
                     for r in reasons if isinstance(r, dict)]
            return f"{data.get('message', 'rejected')}: " + "; ".join(parts)
        if data.get("message"):
            return str(data["message"])
    text = response.text.strip()
    return text[:200] if text else response.reason_phrase


def _describe_one(error: Mapping[str, Any]) -> str:
    words = [str(error[k]) for k in ("title", "detail") if error.get(k)]
    text = ": ".join(words) if words else str(error.get("code") or "error")
    source = error.get("source")
    pointer = source.get("pointer") if isinstance(source, dict) else None
    if pointer:
        text += f" (field {str(pointer).rstrip('/').rsplit('/', 1)[-1]})"
    return text
