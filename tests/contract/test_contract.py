"""The emulators against the vendors' own descriptions (tests/contract/reference/).

Both APIs are driven in-process through the emulator host (httpx.ASGITransport), every
operation the description lists and the emulator serves is exercised, and every answer is
judged: its status must be described for the operation and its body must fit the described
schema, unless ``allowances.py`` names the difference and says why.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from starlette.routing import Route

from providers.emulator_host import build_emulator_app
from providers.emulator_kit.control import EmulatorControl
from providers.prospect2.emulator.app import ROUTES as PROSPECT2_ROUTES
from providers.tessitura.emulator.http_kit import TessituraContext
from providers.tessitura.emulator.routes_crm import crm_routes
from providers.tessitura.emulator.routes_lists import list_routes
from providers.tessitura.emulator.routes_reference import reference_routes
from providers.tessitura.emulator.world import TessituraWorld
from tests.contract.checking import ContractReport, RecordingTransport, judge
from tests.contract.described import (
    Description,
    prospect2_description,
    tessitura_description,
)
from tests.contract.documented_pages import prospect2_pages
from tests.contract.prospect2_exercise import walk_prospect2
from tests.contract.tessitura_exercise import walk_tessitura

pytestmark = pytest.mark.anyio
TESSITURA_AUTH = ("callboard:admin:emulator", "emulator")

Walker = Callable[[httpx.AsyncClient], Awaitable[None]]


async def _run(walk: Walker) -> RecordingTransport:
    recorder = RecordingTransport(httpx.ASGITransport(build_emulator_app(seed="small")))
    async with httpx.AsyncClient(transport=recorder, base_url="http://emulator",
                                 headers={"Api-Token": "emulator-token"},
                                 auth=TESSITURA_AUTH) as client:
        await walk(client)
    return recorder


def _served_and_described(description: Description, templates: list[tuple[str, str]]
                          ) -> set[str]:
    """The described operations whose path and method the emulator has a route for."""
    served = set()
    for method, path in templates:
        probe = path.replace("{", "").replace("}", "")  # any concrete value matches [^/]+
        operation = description.find(method, description.mount + probe)
        if operation is not None:
            served.add(operation.key)
    return served


def _prospect2_templates() -> list[tuple[str, str]]:
    return [(m, r.path) for r in PROSPECT2_ROUTES if isinstance(r, Route)
            for m in (r.methods or ()) if m != "HEAD"]


def _tessitura_templates() -> list[tuple[str, str]]:
    context = TessituraContext(world=TessituraWorld.seeded("small"), control=EmulatorControl(),
                               user="callboard", location="emulator")
    routes = [*reference_routes(context), *crm_routes(context), *list_routes(context)]
    return [(m, r.path) for r in routes for m in (r.methods or ()) if m != "HEAD"]


def _report(report: ContractReport) -> None:
    print(report.summary())
    for key, allowance in sorted(report.allowed.items()):
        print(f"  allowed {key}: {allowance.why}")


async def test_prospect2_emulator_answers_as_activecampaign_describes() -> None:
    description, pages = prospect2_description(), prospect2_pages()
    recorder = await _run(walk_prospect2)
    report = judge(description, recorder.exchanges, "prospect2", pages)
    _report(report)
    assert report.mismatches == []
    served = _served_and_described(description, _prospect2_templates())
    assert served == {op.key for op in description.operations}, "a described op is unserved"
    assert served <= report.operations_checked, sorted(served - report.operations_checked)
    documented = _served_and_described(pages, _prospect2_templates())
    assert documented == {op.key for op in pages.operations}, "a documented op is unserved"
    assert documented == report.pages_checked, sorted(documented ^ report.pages_checked)


async def test_tessitura_emulator_answers_as_its_swagger_describes() -> None:
    description = tessitura_description()
    recorder = await _run(walk_tessitura)
    report = judge(description, recorder.exchanges, "tessitura")
    _report(report)
    assert report.mismatches == []
    assert report.undescribed == set()  # every Tessitura route is a described operation
    served = _served_and_described(description, _tessitura_templates())
    assert served <= report.operations_checked, sorted(served - report.operations_checked)


async def test_unemulated_paths_answer_501_naming_the_path() -> None:
    recorder = RecordingTransport(httpx.ASGITransport(build_emulator_app(seed="small")))
    async with httpx.AsyncClient(transport=recorder, base_url="http://emulator",
                                 headers={"Api-Token": "emulator-token"}) as client:
        for method, path in (("GET", "/api/3/deals"), ("POST", "/api/3/ecomOrders"),
                             ("PATCH", "/api/3/tags/1"), ("GET", "/api/3/fields/1/relations"),
                             ("GET", "/api/3/contacts?segmentid=4")):
            answer = await client.request(method, path)
            assert answer.status_code == 501, (method, path, answer.text)
            error = answer.json()["errors"][0]
            assert error["status"] == 501 and error["title"] == "Not Implemented"
            assert path.split("?")[0] in error["detail"] and method in error["detail"]
        missing = await client.get("/api/3/tags/999999")
        assert missing.status_code == 404  # a missing object is still AC's not-found
        assert missing.json()["message"] == "No Result found for Tag with id 999999"
