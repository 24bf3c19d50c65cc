"""Name filters shared by ``GET /tags`` and ``GET /lists``: ActiveCampaign's operators.

``filters[search][OP]=VALUE`` (tags) and ``filters[name][OP]=VALUE`` (lists) with OP one of
``eq, neq, lt, lte, gt, gte, contains, starts_with``; comparisons ignore case, as the
service's collation does. ``orders[search|name]`` is ``weight`` (exact matches first, then
those starting with the term, then the rest), ``asc`` or ``desc``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from starlette.datastructures import QueryParams

from providers.prospect2.emulator.wire import ApiError

Row = dict[str, Any]

OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "eq": operator.eq,
    "neq": operator.ne,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
    "contains": lambda name, term: term in name,
    "starts_with": lambda name, term: name.startswith(term),
}
ORDERS = ("weight", "asc", "desc")


def _bad(detail: str) -> ApiError:
    return ApiError(400, "Bad Request", detail, code="bad_request")


def filter_by_name(rows: list[Row], params: QueryParams, *, param: str, column: str
                   ) -> list[Row]:
    """``rows`` kept by every ``filters[PARAM][OP]`` (and ``filters[PARAM]``, meaning eq for
    lists, contains for tags' ``search``) and ordered by ``orders[PARAM]``."""
    terms: list[str] = []
    prefix = f"filters[{param}]"
    for key, value in params.multi_items():
        if key == prefix:
            op = "contains" if param == "search" else "eq"
        elif key.startswith(prefix + "[") and key.endswith("]"):
            op = key[len(prefix) + 1:-1]
        else:
            continue
        if op not in OPERATORS:
            raise _bad(f"{key}: unknown operator {op!r}; use one of {', '.join(OPERATORS)}")
        term = value.casefold()
        test = OPERATORS[op]
        rows = [r for r in rows if test(r[column].casefold(), term)]
        terms.append(term)
    order = params.get(f"orders[{param}]")
    if order is None:
        return rows
    order = order.strip().lower()
    if order not in ORDERS:
        raise _bad(f"orders[{param}] must be one of {', '.join(ORDERS)}, not {order!r}")
    if order == "weight":
        term = terms[0] if terms else params.get("search", "").casefold()
        return sorted(rows, key=lambda r: _weight(r[column].casefold(), term))
    return sorted(rows, key=lambda r: (r[column].casefold(), r["id"]), reverse=order == "desc")


def _weight(name: str, term: str) -> tuple[int, str]:
    if name == term:
        return 0, name
    return (1 if name.startswith(term) else 2), name
