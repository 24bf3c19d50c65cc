"""What Prospect2's Data Sync runner asks Tessitura, over the Tessitura emulator's REST API.

Every answer that is not a success ends the run with ``RunFailed`` naming the request, so the
activity log says what went wrong and the baseline stays where it was.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpx

BATCH = 1_000
TRACK_CHANGES = "P2DSTrackChanges"


class RunFailed(Exception):
    """The run stopped; the message is the activity log's reason."""


class TessituraCalls:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def _answer(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise RunFailed(f"Tessitura did not answer {method} {path}: {exc}") from exc
        if response.status_code >= 400:
            try:
                detail = response.json()[0]["Description"]
            except (ValueError, LookupError, TypeError):
                detail = response.text[:200]
            raise RunFailed(f"Tessitura answered {response.status_code} to {method} {path}: "
                            f"{detail}")
        return response

    async def get(self, path: str, **params: Any) -> Any:
        return (await self._answer("GET", path, params=params or None)).json()

    async def post(self, path: str, body: Any = None) -> Any:
        response = await self._answer("POST", path, json=body)
        return response.json() if response.content else None

    async def execute(self, procedure: str, **parameters: Any) -> list[dict[str, Any]]:
        values = [{"Name": f"@{name}", "Value": str(value)}
                  for name, value in parameters.items() if value is not None]
        rows = await self.post("/Custom/Execute",
                               {"ProcedureName": procedure, "ParameterValues": values})
        return rows or []

    async def track_changes(self) -> bool:
        """T_DEFAULTS ``P2DSTrackChanges``: seed 003's re-sync is off unless it says YES."""
        rows = await self.get("/ReferenceData/SystemDefaults/Defaults", keys=TRACK_CHANGES)
        return any(str(row.get("Value") or "").strip().upper() == "YES" for row in rows or [])

    async def output_set(self, list_id: int, chosen: int | None) -> tuple[int, list[str]]:
        """The sync's output set (its own, else its list's) and that set's column names."""
        if chosen is None:
            found = (await self.get(f"/Reporting/Lists/{list_id}")).get("OutputSet")
            if not found:
                raise RunFailed(f"List {list_id} has no output set and the sync names none")
            chosen = int(found["Id"])
        detail = await self.get(f"/Reporting/OutputSets/{chosen}")
        elements = [e for group in detail.get("ElementGroups") or []
                    for e in group.get("Elements") or [] if not e.get("Inactive")]
        return chosen, [e.get("DescriptionRenamed") or e["QueryElement"]["Description"]
                        for e in elements]

    async def export(self, constituents: Iterable[int], output_set_id: int | None
                     ) -> list[dict[str, Any]]:
        ids = sorted(constituents)
        rows: list[dict[str, Any]] = []
        for start in range(0, len(ids), BATCH):
            rows += await self.execute(
                "LP_CALLBOARD_SYNC_EXPORT",
                constituent_ids=",".join(str(n) for n in ids[start:start + BATCH]),
                output_set_id=output_set_id)
        return rows

    async def results(self, list_id: int, output_set_id: int | None
                      ) -> AsyncIterator[dict[str, Any]]:
        """Every row of the list's (as generated) results, page by page."""
        page = 1
        while True:
            response = await self._answer(
                "POST", f"/Reporting/Lists/{list_id}/Results",
                json={"OutputSetId": output_set_id, "Page": page, "PageSize": BATCH,
                      "DisableListGenerate": True})
            rows = response.json()
            for row in rows:
                yield row
            if page * BATCH >= int(response.headers.get("X-Total-Count", "0")) or not rows:
                return
            page += 1

    async def owners(self, address: str) -> list[int]:
        rows = await self.get("/CRM/ElectronicAddresses", address=address)
        return [row["Constituent"]["Id"] for row in rows or []
                if str(row.get("Address", "")).casefold() == address.casefold()]

    async def set_purposes(self, purpose_id: int, action: str, addresses: list[str]) -> None:
        for start in range(0, len(addresses), BATCH):
            await self.execute("LP_CALLBOARD_SET_PURPOSES", purpose_id=purpose_id,
                               action=action, addresses=",".join(addresses[start:start + BATCH]))
