"""Recording what an emulator answered and judging each answer against the description."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.contract.allowances import Allowance, allowance_for
from tests.contract.described import DescribedOperation, Description


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    status: int
    body: bytes
    content_type: str

    def json(self) -> Any:
        return json.loads(self.body)

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes requests to the in-process app and keeps every answer for judging."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        self.exchanges.append(Exchange(request.method, request.url.path, response.status_code,
                                       content, response.headers.get("content-type", "")))
        return httpx.Response(response.status_code, headers=response.headers, content=content,
                              request=request)


#: Summary lines of the reports judged in this run, printed by the suite's conftest.
SUMMARIES: list[str] = []


@dataclass
class ContractReport:
    """What one emulator answered, judged: counts for the log, mismatches for the test."""

    api: str
    operations_checked: set[str] = field(default_factory=set)
    answers_checked: int = 0
    mismatches: list[str] = field(default_factory=list)
    allowed: dict[str, Allowance] = field(default_factory=dict)
    undescribed: set[str] = field(default_factory=set)
    #: Operations missing from the OpenAPI file, checked against the vendor's reference pages.
    pages_checked: set[str] = field(default_factory=set)

    def summary(self) -> str:
        pages = (f" ({len(self.pages_checked)} of them checked against the vendor's reference "
                 "pages)" if self.pages_checked else "")
        return (f"{self.api}: {len(self.operations_checked)} described operations checked "
                f"({self.answers_checked} answers), {len(self.mismatches)} mismatches, "
                f"{len(self.allowed)} allowed differences, "
                f"{len(self.undescribed) + len(self.pages_checked)} served operations outside "
                f"the description{pages}")


def judge(description: Description, exchanges: Iterable[Exchange], api: str,
          pages: Description | None = None) -> ContractReport:
    """Each answer against the description; one it lacks against ``pages`` (the operations
    the vendor documents only on its reference site), with no allowances."""
    report = ContractReport(api)
    for exchange in exchanges:
        operation = description.find(exchange.method, exchange.path)
        if operation is None:
            documented = pages.find(exchange.method, exchange.path) if pages else None
            if documented is None or pages is None:
                report.undescribed.add(f"{exchange.method} {exchange.path}")
                continue
            report.pages_checked.add(documented.key)
            report.answers_checked += 1
            problem = _problem(pages, documented, exchange)
            if problem is not None:
                report.mismatches.append(f"{exchange} ({documented.key}, reference page): "
                                         f"{problem}")
            continue
        report.operations_checked.add(operation.key)
        report.answers_checked += 1
        problem = _problem(description, operation, exchange)
        if problem is None:
            continue
        allowance = allowance_for(api, operation, exchange.status)
        if allowance is not None:
            shape_problem = _still_wrong(description, operation, exchange, allowance)
            if shape_problem is None:
                report.allowed[f"{operation.key} {exchange.status}"] = allowance
                continue
            problem = f"allowed status, but the body does not fit: {shape_problem}"
        report.mismatches.append(f"{exchange} ({operation.key}): {problem}")
    SUMMARIES.append(report.summary())
    return report


def _still_wrong(description: Description, operation: DescribedOperation,
                 exchange: Exchange, allowance: Allowance) -> str | None:
    """What remains wrong with an allowed answer: its body against the allowance's shape,
    or against the described schema once the allowed nulls are set aside."""
    body = _decoded(exchange)
    if allowance.null_ok:
        schema = operation.responses.get(str(exchange.status))
        if schema is None:
            return None
        return description.validate(schema, _without_nulls(body, allowance.null_ok))
    if allowance.shape is not None:
        return description.validate(allowance.shape, body)
    return None


def _without_nulls(node: Any, names: tuple[str, ...]) -> Any:
    if isinstance(node, dict):
        return {k: _without_nulls(v, names) for k, v in node.items()
                if not (k in names and v is None)}
    if isinstance(node, list):
        return [_without_nulls(v, names) for v in node]
    return node


def _decoded(exchange: Exchange) -> Any:
    if not exchange.body:
        return None
    try:
        return exchange.json()
    except ValueError:
        return exchange.body.decode("utf-8", "replace")


def _problem(description: Description, operation: DescribedOperation, exchange: Exchange
             ) -> str | None:
    """Why the answer differs from the description, or None when it fits."""
    status = str(exchange.status)
    if status in operation.responses:
        schema = operation.responses[status]
    elif exchange.status >= 400 and description.error_schema is not None:
        schema = description.error_schema
    else:
        return f"status {status} is not described (described: {sorted(operation.responses)})"
    if schema is None:
        return None
    body = _decoded(exchange)
    if exchange.body and not isinstance(body, (dict, list)):
        return f"the body is not JSON: {exchange.body[:120]!r}"
    return description.validate(schema, body)
