"""``GET /contacts`` filters and orders, as ActiveCampaign's description lists them.

The ``large`` seed has 500,000 contacts, so the query stays lazy: ids are produced in order
and rows are computed only for the filters that need them; only an ``orders[...]`` other
than ``id`` reads the whole result before the page is cut.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import QueryParams

from providers.prospect2.emulator.wire import ApiError, not_emulated
from providers.prospect2.emulator.world import Prospect2World

Row = dict[str, Any]

#: Filters that need data the emulator does not hold (forms, segments, automation wait
#: queues, accounts, scores): answered with 501 rather than silently ignored.
UNEMULATED_FILTERS = ("formid", "segmentid", "waitid", "organization", "orders[score]",
                      "sortId")
#: ``orders[NAME]``: the row value each order sorts by.
ORDERS: dict[str, Callable[[Row], Any]] = {
    "id": lambda r: r["id"],
    "cdate": lambda r: (r["cdate"] or "", r["id"]),
    "email": lambda r: (r["email"].casefold(), r["id"]),
    "first_name": lambda r: (r["firstName"].casefold(), r["id"]),
    "last_name": lambda r: (r["lastName"].casefold(), r["id"]),
    "name": lambda r: (f"{r['firstName']} {r['lastName']}".casefold(), r["id"]),
}
#: ``filters[NAME]``: the date compared and how. ``after`` includes the moment itself and
#: ``before`` excludes it, so ``before=T`` and ``after=T`` split the contacts exactly and an
#: incremental reader that passes its last run's start misses nothing.
DATE_FILTERS = {"created_before": ("cdate", "<"), "created_after": ("cdate", ">="),
                "updated_before": ("udate", "<"), "updated_after": ("udate", ">=")}


def bad_request(detail: str) -> ApiError:
    return ApiError(400, "Bad Request", detail, code="bad_request")


def _integer(params: QueryParams, name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.lstrip("-").isdigit():
        raise bad_request(f"{name} must be an integer, not {raw!r}")
    return int(raw)


def _moment(raw: str, name: str) -> datetime:
    """``2026-09-01``, ``2026-09-01 09:00:00`` or full ISO 8601; without a zone, UTC."""
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_request(f"filters[{name}] must be a date or date-time, not {raw!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _requested_ids(params: QueryParams) -> set[int] | None:
    """``ids[]=1&ids[]=2`` or ``ids=1,2``."""
    raw = params.getlist("ids[]") + params.getlist("ids")
    if not raw:
        return None
    parts = [p.strip() for item in raw for p in item.split(",") if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise bad_request("ids must be contact ids")
    return {int(p) for p in parts}


def _candidate_ids(world: Prospect2World, params: QueryParams) -> Iterable[int] | None:
    """Ids from the narrowest membership filter (tag, list, automation), sorted; None when
    no membership filter is given (then every contact is a candidate)."""
    sets: list[set[int]] = []
    tag = _integer(params, "tagid")
    if tag is not None:
        sets.append(set(world.contacts_with_tag(tag)))
    list_id = _integer(params, "listid")
    if list_id is not None:
        status = _integer(params, "status")
        sets.append({row["contact"] for row in world.table("contactLists").values()
                     if row["list"] == list_id and status in (None, -1, row["status"])})
    series = _integer(params, "seriesid")
    if series is not None:
        sets.append({row["contact"] for row in world.table("contactAutomations").values()
                     if row["automation"] == series})
    ids = _requested_ids(params)
    if ids is not None:
        sets.append(ids)
    if not sets:
        return None
    return sorted(set.intersection(*sets))


def _row_filters(params: QueryParams) -> list[Callable[[Row], bool]]:
    tests: list[Callable[[Row], bool]] = []
    for name, (column, sign) in DATE_FILTERS.items():
        raw = params.get(f"filters[{name}]")
        if raw:
            bound = _moment(raw, name)
            tests.append(_date_test(column, sign, bound))
    if params.get("email_like"):
        needle = params["email_like"].casefold()
        tests.append(lambda r: needle in r["email"].casefold())
    if params.get("phone"):
        prefix = params["phone"]
        tests.append(lambda r: r["phone"].startswith(prefix))
    if params.get("search"):
        words = params["search"].casefold()
        tests.append(lambda r: words in " ".join(
            (r["email"], r["firstName"], r["lastName"], r["phone"])).casefold())
    return tests


def _date_test(column: str, sign: str, bound: datetime) -> Callable[[Row], bool]:
    def test(row: Row) -> bool:
        value = row.get(column) or row.get("cdate")
        if not value:
            return False
        moment = datetime.fromisoformat(value)
        return moment < bound if sign == "<" else moment >= bound

    return test


def _order(params: QueryParams) -> tuple[str, bool] | None:
    """The one ``orders[NAME]=asc|desc`` asked for, if any."""
    for key, value in params.items():
        if key.startswith("orders[") and key.endswith("]"):
            name = key[len("orders["):-1]
            if name not in ORDERS:
                raise bad_request(f"cannot order contacts by {name!r}: use one of "
                                  f"{', '.join(ORDERS)}")
            direction = value.strip().lower() or "asc"
            if direction not in ("asc", "desc"):
                raise bad_request(f"orders[{name}] must be asc or desc, not {value!r}")
            return name, direction == "desc"
    return None


def query_contacts(world: Prospect2World, params: QueryParams, method: str, path: str
                   ) -> tuple[Iterator[Row] | list[Row], int | None]:
    """The matching contacts in answer order, and their count when it is known cheaply."""
    for name in UNEMULATED_FILTERS:
        if name in params:
            raise not_emulated(method, f"{path}?{name}=",
                               "the emulator holds no forms, segments, wait queues, accounts "
                               "or scores")
    email = params.get("email")
    if email is not None:
        found = world.contacts.by_email(email)
        return [found] if found else [], None
    after = _integer(params, "id_greater") or 0
    before = _integer(params, "id_less")
    exclude = _integer(params, "exclude")
    candidates = _candidate_ids(world, params)
    ids: Iterable[int] = (world.contacts.iter_ids(after) if candidates is None
                          else (i for i in candidates if i > after))
    narrowed = candidates is not None or after or before is not None or exclude is not None
    if before is not None:
        ids = (i for i in ids if i < before)
    if exclude is not None:
        ids = (i for i in ids if i != exclude)
    rows: Iterator[Row] = (r for r in (world.contacts.get(i) for i in ids) if r is not None)
    tests = _row_filters(params)
    for test in tests:
        rows = filter(test, rows)
    total = None if narrowed or tests else len(world.contacts)
    order = _order(params)
    if order is None or order == ("id", False):
        return rows, total
    name, descending = order
    return sorted(rows, key=ORDERS[name], reverse=descending), total
