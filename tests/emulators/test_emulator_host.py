"""The emulator host: both APIs on one app, the control API, sandbox persistence, serving."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from providers.emulator_host import build_emulator_app, serve_emulator

pytestmark = pytest.mark.anyio
P2 = {"Api-Token": "emulator-token"}
TESSITURA_AUTH = ("callboard:admin:emulator", "emulator")


def _client(app: object, client_host: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app, client=(client_host, 50000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://emulator")


@pytest.fixture
async def host() -> AsyncIterator[httpx.AsyncClient]:
    async with _client(build_emulator_app(seed="small")) as client:
        yield client


async def test_both_apis_are_mounted_with_their_own_auth(host: httpx.AsyncClient) -> None:
    tags = await host.get("/api/3/tags", headers=P2)
    assert tags.status_code == 200 and tags.json()["meta"]["total"] == "5"
    types = await host.get("/TessituraService/ReferenceData/ActivityTypes", auth=TESSITURA_AUTH)
    assert types.status_code == 200
    assert "Patron Feedback" in [t["Description"] for t in types.json()]
    assert (await host.get("/api/3/tags")).status_code == 401
    assert (await host.get("/TessituraService/ReferenceData/ActivityTypes")).status_code == 401


async def test_stats_name_route_templates_with_their_mount(host: httpx.AsyncClient) -> None:
    await host.get("/api/3/tags/1", headers=P2)
    await host.get("/api/3/tags/2", headers=P2)
    await host.get("/TessituraService/ReferenceData/ActivityTypes", auth=TESSITURA_AUTH)
    stats = (await host.get("/_emulator/stats")).json()
    assert stats["requests"]["GET /api/3/tags/{id}"] == 2
    assert stats["requests"]["GET /TessituraService/ReferenceData/ActivityTypes"] == 1
    assert stats["rate_limited"] == 0


async def test_reset_restores_the_seeded_organization(host: httpx.AsyncClient) -> None:
    await host.post("/api/3/tags", headers=P2, json={"tag": {"tag": "Temporary"}})
    assert (await host.post("/_emulator/reset", json={})).json() == {"ok": True}
    names = [t["tag"] for t in (await host.get("/api/3/tags", headers=P2)).json()["tags"]]
    assert "Temporary" not in names
    await host.post("/_emulator/reset", json={"seed": "demo"})
    contacts = (await host.get("/api/3/contacts", headers=P2)).json()
    assert contacts["meta"]["total"] == "1000"
    assert (await host.post("/_emulator/reset", json={"seed": "huge"})).status_code == 400


async def test_faults_are_set_and_read_back(host: httpx.AsyncClient) -> None:
    answer = (await host.post("/_emulator/faults", json={"rate_429": 1.0})).json()
    assert answer == {"latency_ms": 0, "error_rate": 0.0, "rate_429": 1.0,
                      "enforce_rate_limit": False, "rate_limit_scale": 1.0}
    assert (await host.get("/_emulator/faults")).json()["rate_429"] == 1.0
    limited = await host.get("/TessituraService/ReferenceData/ActivityTypes",
                             auth=TESSITURA_AUTH)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    refused = await host.post("/_emulator/faults", json={"error_rate": 2})
    assert refused.status_code == 400


async def test_clock_advances_and_is_set(host: httpx.AsyncClient) -> None:
    start = (await host.get("/_emulator/clock")).json()["now"]
    moved = (await host.post("/_emulator/clock", json={"advance_seconds": 3600})).json()["now"]
    assert moved > start
    fixed = await host.post("/_emulator/clock", json={"now": "2027-01-02T03:04:05Z"})
    assert fixed.json()["now"].startswith("2027-01-02T03:04:05")
    created = await host.post("/api/3/tags", headers=P2, json={"tag": {"tag": "Dated"}})
    assert created.json()["tag"]["cdate"].startswith("2027-01-02")


async def test_churn_moves_constituents_into_a_list(host: httpx.AsyncClient) -> None:
    answer = (await host.post("/_emulator/churn", json={"list_id": 101, "add": 3})).json()
    assert len(answer["added"]) == 3 and answer["removed"] == []
    missing = await host.post("/_emulator/churn", json={"list_id": 9999, "add": 1})
    assert missing.status_code == 404


async def test_campaign_send_creates_a_sent_campaign(host: httpx.AsyncClient) -> None:
    answer = await host.post("/_emulator/campaigns/send",
                             json={"name": "SUBS Autumn", "recipients": 25})
    campaign_id = answer.json()["campaignId"]
    campaign = (await host.get(f"/api/3/campaigns/{campaign_id}", headers=P2)).json()
    assert campaign["campaign"]["status"] == "5" and campaign["campaign"]["send_amt"] == "25"
    recipients = await host.get(f"/api/3/campaigns/{campaign_id}/recipients", headers=P2,
                                params={"limit": 100})
    assert recipients.json()["meta"]["total"] == "25"


async def _csi_webhook(host: httpx.AsyncClient, **fields: object) -> str:
    body = {"title": "Feedback", "contactMethodId": 1, "activityTypeId": 11,
            "performanceField": "PERFDATA__PERF_NO", "notes": "Replied to the email.",
            "noteFields": ["SEAT_LOCATION"], "urgent": True, "active": True, **fields}
    created = await host.post("/api/3/tessitura/csiWebhooks", headers=P2,
                              json={"csiWebhook": body})
    return created.json()["csiWebhook"]["id"]


async def test_firing_an_inactive_csi_webhook_creates_nothing(host: httpx.AsyncClient) -> None:
    hook = await _csi_webhook(host, active=False)
    answer = (await host.post("/_emulator/automations/fire",
                              json={"csiWebhookId": hook, "email": "patron1018@example.org"}))
    assert answer.json()["issueId"] is None and "OFF" in answer.json()["reason"]


async def test_firing_a_csi_webhook_creates_the_issue_in_tessitura(
        host: httpx.AsyncClient) -> None:
    hook = await _csi_webhook(host)
    # contact 10 (constituent 1018) has seeded PERFDATA__PERF_NO and SEAT_LOCATION values
    answer = (await host.post("/_emulator/automations/fire",
                              json={"csiWebhookId": hook, "email": "patron1018@example.org"}))
    issue_id = answer.json()["issueId"]
    assert issue_id is not None, answer.json()
    issue = (await host.get(f"/TessituraService/CRM/Issues/{issue_id}",
                            auth=TESSITURA_AUTH)).json()
    assert issue["Constituent"]["Id"] == 1018
    assert issue["Notes"].startswith("Generated by Prospect2")
    assert "patron1018@example.org" in issue["Notes"]
    assert "SEAT_LOCATION: Row" in issue["Notes"]
    assert issue["PerformanceId"] == 4100 + 10 % 7
    assert issue["UrgentIndicator"] is True


async def test_control_api_refuses_remote_callers() -> None:
    async with _client(build_emulator_app(seed="small"), client_host="10.1.2.3") as remote:
        assert (await remote.get("/_emulator/stats")).status_code == 403


async def test_sandbox_data_survives_a_new_app(tmp_path: Path) -> None:
    async with _client(build_emulator_app(seed="small", data_dir=str(tmp_path))) as first:
        await first.post("/_emulator/clock", json={"advance_seconds": 86400})
        created = await first.post("/api/3/tags", headers=P2, json={"tag": {"tag": "Kept"}})
        assert created.status_code == 201
    assert (tmp_path / "prospect2.json").exists() and (tmp_path / "tessitura.json").exists()
    async with _client(build_emulator_app(seed="small", data_dir=str(tmp_path))) as second:
        found = (await second.get("/api/3/tags", headers=P2, params={"search": "Kept"})).json()
        assert [t["tag"] for t in found["tags"]] == ["Kept"]
        now = (await second.get("/_emulator/clock")).json()["now"]
        assert now.startswith("2026-09-02")


def test_serving_refuses_a_non_loopback_host() -> None:
    with pytest.raises(ValueError, match="loopback"):
        serve_emulator(host="0.0.0.0", port=1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_served_emulator_answers_over_the_network() -> None:
    port = _free_port()
    code = ("from providers.emulator_host import serve_emulator; "
            f"serve_emulator(port={port}, seed='small', token='served-token')")
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/3/tags",
                                     headers={"Api-Token": "served-token"}, timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the emulator did not start"
                time.sleep(0.1)
        assert response.status_code == 200
        assert response.json()["meta"]["total"] == "5"
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert f"export PROSPECT2_URL=http://127.0.0.1:{port}/api/3" in output
    assert "export PROSPECT2_API_TOKEN=served-token" in output
    assert f"export TESSITURA_URL=http://127.0.0.1:{port}/TessituraService" in output
