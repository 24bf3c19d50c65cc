"""API calls of contact data (issue 10), on the ``large`` seed's Lapsed Donors list (150,147
members, two output-set columns), the emulators serving in their own process.

* A delta's values ride on the export (``@output_set_id``): after a first run, churn adds
  2,000 constituents to the list (those who qualify join); the Tessitura calls that run
  makes beyond those of a run with nothing changed, against ⌈joiners / 1,000⌉. (Every run
  also exports again the members none of whose addresses passes the filters, a fixed cost
  it prints.) Naive peer: reading the
  whole list's output-set results each run to find the joiners' values.
* ``resync: values`` with nothing changed: its ``Lists/{id}/Results`` calls (target
  ⌈150,147 / 1,000⌉ = 151) and its Prospect2 calls (target 0: no call for unchanged
  members). Naive peers: a results read per member; re-importing every member.

    python -m bench.contact_data_calls [--quick]
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from bench.measure import Figure, quick_arguments, report
from bench.served_org import (
    LISTS,
    ServedEmulator,
    carried_fields,
    control,
    definition,
    served_runner,
)
from engine.sync.ports import RESULTS_PAGE
from engine.sync.run_report import SyncRunReport

EXECUTE = "POST /TessituraService/Custom/Execute"
RESULTS = "POST /TessituraService/Reporting/Lists/{listId}/Results"
JOINERS = 2_000


def _requests(base: str) -> dict[str, int]:
    return dict(control(base, "stats")["requests"])


async def _runs(base: str, wanted: Any, count: int) -> list[tuple[SyncRunReport, dict[str, int]]]:
    """``count`` runs of ``wanted`` in one runner, each with the requests it made by route
    (the list churned between the second and third, when there is a third)."""
    found = []
    async with served_runner(base) as (runner, _):
        for number in range(count):
            if number == 2:
                control(base, "churn", {"list_id": wanted.list_id, "add": JOINERS, "seed": 7})
            before = _requests(base)
            done = await runner.run(wanted, force=True)
            assert done.ok, done.message
            after = _requests(base)
            found.append((done, {k: v - before.get(k, 0) for k, v in after.items()}))
    return found


def main() -> None:
    args = quick_arguments(__doc__ or "").parse_args()
    with ServedEmulator("demo" if args.quick else "large") as base:
        fields = carried_fields(base)
        audit = asyncio.run(_runs(base, definition(LISTS["150k"], "values-delta",
                                                   fields=fields), 3))
        values = asyncio.run(_runs(base, definition(LISTS["150k"], "values-resync",
                                                    fields=fields, resync="values"), 2))
    (first, _), (quiet, quiet_calls), (delta, delta_calls) = audit
    members = first.list_size
    joined = delta.constituents_added
    extra = sum(delta_calls.values()) - sum(quiet_calls.values())
    pages = math.ceil(members / RESULTS_PAGE)
    print(f"delta with contact data: {joined:,} joined a list of {members:,}; "
          f"{sum(delta_calls.values())} Tessitura and Prospect2 requests, {extra} more than a "
          f"run with nothing changed ({quiet.tessitura_calls} Tessitura calls, "
          f"{quiet_calls.get(EXECUTE, 0)} of them exports, {quiet.waiting:,} members with no "
          f"address the filters let through exported again)", flush=True)
    extra_tessitura = delta.tessitura_calls - quiet.tessitura_calls
    least = math.ceil(joined / 1000)
    report(Figure("api.tessitura_calls_for_changed_values", extra_tessitura, "calls",
                  f"≤ 1 per 1,000: ⌈{joined:,} / 1,000⌉ = {least}", naive=pages,
                  ratio=f"{pages / max(extra_tessitura, 1):,.0f}× fewer than reading every "
                        f"results page"))
    (sent, _), (unchanged, unchanged_calls) = values
    results = unchanged_calls.get(RESULTS, 0)
    members = unchanged.list_size  # the list as this run found it (the joiners included)
    pages = math.ceil(members / RESULTS_PAGE)
    print(f"resync: values, nothing changed: {results} results calls for {members:,} members, "
          f"{unchanged.prospect2_calls} Prospect2 calls, {unchanged.resynced} re-synced; the "
          f"first run made {sent.prospect2_calls:,} Prospect2 calls", flush=True)
    report(Figure("values.results_calls_150k", results, "calls", f"≤ {pages}",
                  naive=members, ratio=f"{members / max(results, 1):,.0f}× fewer than one "
                                       "read per member"))
    report(Figure("values.prospect2_calls_unchanged", unchanged.prospect2_calls, "calls", "0",
                  naive=sent.prospect2_calls,
                  ratio=f"none of the {sent.prospect2_calls:,} a re-import of everyone makes"))


if __name__ == "__main__":
    main()
