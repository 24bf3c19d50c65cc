"""Two refusals that protect live data: a sync run facing an empty list after a failed
regenerate, and a saved plan whose objects changed since it was made.

An empty list usually means Tessitura failed, not that every member lapsed overnight;
untagging everyone would start a win-back email to the whole membership. A saved plan applied
after someone edited a planned object in the UI would silently overwrite their edit.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import httpx

from providers.emulator_host import build_emulator_app
from tests.reliability.bad_manifests import Sandbox
from tests.reliability.figures import Figure, figure
from tests.sync.emulated import MEMBERS_LIST, EmulatedSync

GENERATE_PATH = f"/TessituraService/Reporting/Lists/{MEMBERS_LIST}/Generate"
UNTAG = "DELETE /api/3/contactTags/{id}"


class FailingGenerate(httpx.AsyncBaseTransport):
    """Answers every Generate of the members list with a 500, after doing it or before."""

    def __init__(self, inner: httpx.AsyncBaseTransport, *, after_doing_it: bool) -> None:
        self.inner = inner
        self.after_doing_it = after_doing_it

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == GENERATE_PATH:
            if self.after_doing_it:
                await (await self.inner.handle_async_request(request)).aread()
            return httpx.Response(500, json={"Message": "List generation failed"},
                                  request=request)
        return await self.inner.handle_async_request(request)


async def _empty_list_case(root: Path, case: str) -> str | None:
    org = EmulatedSync(root / f"{case}.db")  # the default safety.sync_max_remove_fraction
    await org.start()
    try:
        assert org.runner is not None and org.definition is not None
        first = await org.runner.run(org.definition)
        if not first.ok:
            return f"{case}: the first run did not succeed: {first.message}"
        tagged = await org.tagged()
        everyone = len(await org.members())
        if case != "generate fails before acting":  # the list really is empty now
            await org.control("churn", {"list_id": MEMBERS_LIST, "remove": everyone, "seed": 4})
        if case != "everyone churned out":
            org.transport = FailingGenerate(  # type: ignore[assignment]
                org.transport, after_doing_it=case == "generate fails after acting")
        await org.reconnect()
        untagged_before = (await org.control("stats"))["requests"].get(UNTAG, 0)
        report = await org.runner.run(org.definition)
        untagged = (await org.control("stats"))["requests"].get(UNTAG, 0) - untagged_before
        if report.ok:
            return f"{case}: the run succeeded ({report.headline()})"
        if untagged or await org.tagged() != tagged:
            return f"{case}: {untagged} untag requests; tags changed"
        return None
    finally:
        await org.close()


def empty_list_refused() -> Figure:
    cases = ["everyone churned out", "generate fails before acting",
             "generate fails after acting"]
    with tempfile.TemporaryDirectory() as scratch:
        found = [asyncio.run(_empty_list_case(Path(scratch), c)) for c in cases]
    problems = [p for p in found if p]
    return figure("empty list", len(cases),
                  f"{len(cases)} cases ({', '.join(cases)}): "
                  f"{len(cases) - len(problems)} refused with 0 tags removed", problems)


def sandbox_api(box: Sandbox, method: str, path: str, body: object = None) -> httpx.Response:
    """A person editing the sandbox's organization in the Prospect2 UI (out of band)."""
    async def call() -> httpx.Response:
        app = build_emulator_app(seed="demo", data_dir=str(box.root / ".callboard/sandbox"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://sandbox",
                                     headers={"Api-Token": "emulator-token"}) as client:
            return await client.request(method, path, json=body)
    return asyncio.run(call())


def stale_plan_refused() -> Figure:
    """Plan, then edit the adopted ``Newsletter`` tag's description live, then apply."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        box = Sandbox(Path(scratch))
        code, _, err = box.run("plan", "--out", "saved.cbplan")
        if code != 0:
            problems.append(f"plan failed: {err}")
        tags = sandbox_api(box, "GET", "/api/3/tags?search=Newsletter").json()["tags"]
        tag = next(t for t in tags if t["tag"] == "Newsletter")
        sandbox_api(box, "PUT", f"/api/3/tags/{tag['id']}",
                    {"tag": {"tag": "Newsletter", "tagType": "contact",
                             "description": "Edited in the UI after the plan"}})
        before = box.fingerprint()
        code, out, err = box.run("apply", "saved.cbplan")
        if code != 3:  # spec §3: a refused saved plan exits 3
            problems.append(f"apply exited {code}: {out[-300:]}")
        if "tags.newsletter" not in err or "description" not in err:
            problems.append(f"the refusal does not name tags.newsletter and description: {err}")
        if box.fingerprint() != before:
            problems.append("the refused apply changed state or live data")
    return figure("stale saved plan", 1,
                  "1 saved plan after a live edit: refused, naming tags.newsletter and field "
                  "description; nothing changed" if not problems else "not refused properly",
                  problems)
