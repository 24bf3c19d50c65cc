"""A manifest naming Tessitura reference data that is inactive (an appeal closed last season, an
activity type the Tessitura admin retired) is refused at validate --online and plan, with
file:line:field and the closest active row: Prospect2's Tessitura dropdowns (seeds 000, 002)
offer only active rows, so writing campaigns or CSIs under an inactive one is never what the
user meant."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx

from providers.emulator_host import build_emulator_app
from tests.cli.conftest import Sandbox

BASIC = base64.b64encode(b"callboard:admin:emulator:emulator").decode()


def tessitura(sandbox: Sandbox, method: str, path: str, json: Any = None) -> Any:
    """Change the sandbox's Tessitura as its admin would, through the emulated API."""
    async def call() -> httpx.Response:
        app = build_emulator_app(seed="demo", data_dir=str(sandbox.root / ".callboard/sandbox"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://sandbox/TessituraService",
                                     headers={"Authorization": f"Basic {BASIC}"}) as client:
            return await client.request(method, path, json=json)
    answer = asyncio.run(call())
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else None


def _replace(sandbox: Sandbox, file: str, old: str, new: str) -> None:
    path = sandbox.manifests / file
    path.write_text(path.read_text().replace(old, new, 1))


def test_a_writeback_under_an_inactive_appeal_is_refused_naming_the_active_one(
        sandbox: Sandbox) -> None:
    _replace(sandbox, "campaign_writebacks.yaml", "appeal: FY27 Subscriptions",
             "appeal: FY26 Annual Fund")
    expected = ("Error: manifests/campaign_writebacks.yaml:5: campaign_writebacks.subscriptions"
                ".appeal: appeal 'FY26 Annual Fund' (id 401) is inactive in Tessitura, which "
                "offers only active ones (did you mean 'FY27 Annual Fund'?); candidates: "
                "'FY27 Subscriptions' (id 501), 'FY27 Annual Fund' (id 502), "
                "'FY27 Single Tickets' (id 503)")
    for command in (("validate", "--online"), ("plan",), ("apply", "--auto-approve")):
        result = sandbox.run(*command)
        assert result.code == 1, result.out
        assert result.err.strip() == expected
    assert sandbox.run("state", "list").out.strip() == ""
    mappings = sandbox.api("GET", "/api/3/tessitura/writebackMappings").json()
    assert mappings["writebackMappings"] == []


def test_a_csi_webhook_whose_activity_type_was_retired_is_refused_before_any_change(
        sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    survey = next(row for row in tessitura(sandbox, "GET", "/ReferenceData/ActivityTypes")
                  if row["Description"] == "Survey Reply")
    tessitura(sandbox, "PUT", f"/ReferenceData/ActivityTypes/{survey['Id']}",
              {**survey, "Inactive": True})
    _replace(sandbox, "csi_webhooks.yaml", "notes: Survey reply received.",
             "notes: Survey reply received, logged.")
    before = sandbox.run("state", "show", "csi_webhooks.survey-reply-logged").out
    result = sandbox.run("plan")
    assert result.code == 1, result.out
    assert result.err.strip().startswith(
        "Error: manifests/csi_webhooks.yaml:28: csi_webhooks.survey-reply-logged.activity_type:"
        " activity type 'Survey Reply' (id 14) is inactive in Tessitura, which offers only "
        "active ones; candidates: ")
    assert "'Survey Reply'" not in result.err.split("candidates:")[1]
    assert sandbox.run("apply", "--auto-approve").code == 1
    assert sandbox.run("state", "show", "csi_webhooks.survey-reply-logged").out == before
    live = sandbox.api("GET", "/api/3/tessitura/csiWebhooks").json()["csiWebhooks"]
    assert [w["notes"] for w in live if w["title"] == "Survey reply logged"] == [
        "Survey reply received."]


def test_a_csi_webhook_naming_an_activity_type_declared_inactive_is_refused(
        sandbox: Sandbox) -> None:
    _replace(sandbox, "tessitura.yaml", "    perf_ind: none\n",
             "    perf_ind: none\n    inactive: true\n")
    result = sandbox.run("plan")
    assert result.code == 1, result.out
    assert result.err.strip() == (
        "Error: manifests/csi_webhooks.yaml:9: csi_webhooks.cancellation-feedback.activity_type:"
        " activity type 'Pro2 Feedback' is declared inactive under activity_types, and "
        "Tessitura offers only active ones: declare it active or name another")


def test_a_missing_appeal_is_refused_with_only_active_candidates(sandbox: Sandbox) -> None:
    _replace(sandbox, "campaign_writebacks.yaml", "appeal: FY27 Subscriptions",
             "appeal: FY26 Annual Fnd")
    result = sandbox.run("plan")
    assert result.code == 1, result.out
    assert result.err.strip() == (
        "Error: manifests/campaign_writebacks.yaml:5: campaign_writebacks.subscriptions.appeal:"
        " no appeal is described 'FY26 Annual Fnd' (did you mean 'FY27 Annual Fund'?); "
        "candidates: 'FY27 Subscriptions' (id 501), 'FY27 Annual Fund' (id 502), "
        "'FY27 Single Tickets' (id 503)")
