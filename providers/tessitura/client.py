"""The TessituraService REST client: Basic auth, bounded concurrency, careful retries.

Tessitura publishes no rate limit, but it is one organization's production CRM: we keep a
few requests in flight at most, retry only what is safe to send twice, and turn its error
arrays into messages a user can act on. Optimistic-locking conflicts (409) become
``StaleObjectError`` so the engine can tell the user to plan again.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx

from engine.errors import ProviderError, StaleObjectError
from providers.http.json_stream import ArrayReader
from providers.http.retry import RetryPolicy, request_was_not_sent

log = logging.getLogger(__name__)

_CREDENTIAL_VARIABLES = (
    "TESSITURA_USER, TESSITURA_USERGROUP, TESSITURA_LOCATION, TESSITURA_PASSWORD")


class TessituraClient:
    """One TessituraService. Share one instance so the in-flight bound holds for a whole run.

    ``requests_made`` counts requests sent, for run reports and benchmarks.
    """

    def __init__(self, base_url: str, user: str, usergroup: str, location: str, password: str,
                 transport: httpx.AsyncBaseTransport | None = None, max_in_flight: int = 4, *,
                 retry: RetryPolicy | None = None, timeout_seconds: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.login = f"{user}:{usergroup}:{location}"  # never the password: this goes in errors
        self.retry = retry or RetryPolicy()
        self.requests_made = 0
        self._slots = asyncio.Semaphore(max_in_flight)
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/",
            headers={"Authorization": basic_authorization(user, usergroup, location, password),
                     "Accept": "application/json"},
            transport=transport,
            timeout=timeout_seconds,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """Decoded JSON of a GET; list-valued params are sent as CSV, as Tessitura expects."""
        return await self._call("GET", path, params=_query(params), replay_safe=True)

    async def stream_array(self, path: str, each: Callable[[list[Any]], None]) -> None:
        """GET a JSON array and hand ``each`` its elements a few thousand at a time as they
        arrive, never holding the whole answer: a million-row list reads in constant memory.
        A read, so retried from the start: ``each`` may see rows twice (a set, a bitmap)."""

        async def consume(response: httpx.Response) -> None:
            reader = ArrayReader()
            async for chunk in response.aiter_bytes():
                if rows := reader.feed(chunk):
                    each(rows)
            if rows := reader.close():
                each(rows)

        try:
            await self._call("GET", path, replay_safe=True, consume=consume)
        except ValueError as exc:
            raise ProviderError(f"Tessitura answered GET {path} with something other than a "
                                f"JSON array: {exc}") from exc

    async def put(self, path: str, body: Mapping[str, Any]) -> Any:
        """Replace one object; ``body`` must carry the ``UpdatedDateTime`` just read."""
        return await self._call("PUT", path, body=dict(body), replay_safe=True)

    async def delete(self, path: str) -> None:
        await self._call("DELETE", path, replay_safe=True)

    async def post(self, path: str, body: Any, *, idempotent: bool = False) -> Any:
        """A POST; retried after a 5xx or a dropped connection only when ``idempotent``."""
        return await self._call("POST", path, body=body, replay_safe=idempotent)

    async def post_page(self, path: str, body: Any) -> tuple[Any, int | None]:
        """A paged read by POST (``Lists/{id}/Results``): the decoded page and the
        ``X-Total-Count`` header (None when absent). A read, so retried freely."""
        response = await self._call("POST", path, body=body, replay_safe=True, raw=True)
        total = response.headers.get("X-Total-Count")
        return _json(response), int(total) if total and total.strip().isdigit() else None

    async def execute(self, procedure: str, *, idempotent: bool = False,
                      **params: Any) -> list[dict[str, Any]]:
        """Run a registered local procedure (``POST /Custom/Execute``) and return its rows.

        Keyword names become ``@name`` parameters; lists become CSV, datetimes ISO-8601.
        Pass ``idempotent=True`` only for procedures that are safe to run twice (every
        procedure of Callboard's pack is), so a lost answer can be retried.
        """
        body = {
            "ProcedureName": procedure,
            "ParameterValues": [{"Name": f"@{name}", "Value": _procedure_value(value)}
                                for name, value in params.items()],
        }
        answer = await self.post("/Custom/Execute", body, idempotent=idempotent)
        if answer is None:
            return []
        if isinstance(answer, dict):
            return [answer]
        return [row for row in answer if isinstance(row, dict)]

    async def _call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                    body: Any = None, replay_safe: bool, raw: bool = False,
                    consume: Callable[[httpx.Response], Awaitable[Any]] | None = None) -> Any:
        """The decoded answer (the response itself when ``raw``; what ``consume`` makes of
        a successful answer's stream, read while it arrives, when given)."""
        failures = throttled = 0
        while True:
            last = failures + 1 >= self.retry.attempts
            try:
                async with self._slots:
                    self.requests_made += 1
                    request = self._http.build_request(method, path, params=params, json=body)
                    response = await self._http.send(request, stream=consume is not None)
                    if consume is not None:
                        try:
                            if response.status_code < 400:
                                return await consume(response)
                            await response.aread()
                        finally:
                            await response.aclose()
            except httpx.TransportError as exc:
                failures += 1
                if last or self._http.is_closed or not (  # closed: the command already ended
                        replay_safe or request_was_not_sent(exc)):
                    raise ProviderError(
                        f"cannot reach Tessitura at {self.base_url} ({method} {path}: "
                        f"{str(exc) or type(exc).__name__}); check TESSITURA_URL and the "
                        "network") from exc
                log.warning("tessitura: %s %s: %s; retrying", method, path,
                            str(exc) or type(exc).__name__)
                await asyncio.sleep(self.retry.backoff(failures))
                continue
            status = response.status_code
            if status == 429 and throttled + 1 < self.retry.rate_limited_attempts:
                throttled += 1  # refused before doing anything: safe to send again
                await asyncio.sleep(self.retry.wait_for(response, throttled))
                continue
            if status >= 500 and replay_safe and not last:
                failures += 1
                log.warning("tessitura: %s %s answered %s; retrying", method, path, status)
                await asyncio.sleep(self.retry.backoff(failures))
                continue
            if status >= 400:
                raise self._error(method, path, response)
            return response if raw else _json(response)

    def _error(self, method: str, path: str, response: httpx.Response) -> ProviderError:
        status = response.status_code
        if status == 401:
            return ProviderError(
                f"Tessitura refused the credentials for {self.login} ({_CREDENTIAL_VARIABLES})",
                status=status)
        if status == 403:
            return ProviderError(
                f"Tessitura denied {self.login} access to {method} {path} (403); check the "
                "user group's rights", status=status)
        described = describe_errors(response)
        if status == 409:
            return StaleObjectError(
                f"{path} changed in Tessitura since it was read ({method} answered 409: "
                f"{described}); plan again to see the current object", status=status)
        return ProviderError(f"Tessitura {method} {path} failed with {status}: {described}",
                             status=status)


def basic_authorization(user: str, usergroup: str, location: str, password: str) -> str:
    """Tessitura's Basic credentials: ``user:usergroup:location:password``.

    The server splits on the first three colons, so the password may itself contain ``:``.
    """
    raw = f"{user}:{usergroup}:{location}:{password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def describe_errors(response: httpx.Response) -> str:
    """Tessitura's error array (or single object) of Code/Description/Details/ErrorPath."""
    data = _json(response)
    entries = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    parts: list[str] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        text = str(entry.get("Description") or entry.get("Message") or entry.get("Code")
                   or "error")
        if entry.get("Details") and entry["Details"] != entry.get("Description"):
            text += f" ({entry['Details']})"
        if entry.get("ErrorPath"):
            text += f" at {entry['ErrorPath']}"
        parts.append(text)
    if parts:
        return "; ".join(parts)
    text = response.text.strip()
    return text[:200] if text else response.reason_phrase


_DATETIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)(?:\.(?P<fraction>\d{0,7}))?)?"
    r"(?P<offset>Z|[+-]\d{2}:?\d{2})?$")


def parse_tessitura_datetime(value: str) -> datetime:
    """Parse a Tessitura date-time: 0–7 fractional digits, with or without an offset.

    Without an offset the result is naive (the server's local time, as Tessitura means it).
    Digits beyond microseconds (the 7th, .NET ticks) are dropped.
    """
    match = _DATETIME.match(value.strip())
    if match is None:
        raise ValueError(f"not a Tessitura date-time: {value!r}")
    clock = match["time"] or "00:00:00"
    if len(clock) == 5:
        clock += ":00"
    fraction = (match["fraction"] or "")[:6].ljust(6, "0")
    parsed = datetime.fromisoformat(f"{match['date']}T{clock}.{fraction}")
    offset = match["offset"]
    if offset is None:
        return parsed
    if offset == "Z":
        return parsed.replace(tzinfo=UTC)
    sign = 1 if offset[0] == "+" else -1
    digits = offset[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return parsed.replace(tzinfo=timezone(sign * delta))


def _procedure_value(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Iterable):
        return ",".join(str(v) for v in value)
    return str(value)


def _query(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    return {name: ("true" if value else "false") if isinstance(value, bool)
            else _procedure_value(value)
            for name, value in params.items() if value is not None}


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None
