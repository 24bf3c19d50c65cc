"""CSIs created end to end, the way a user gets them (seeds 000 and 001).

Each test declares CSI webhooks (and dedicated activity types) in manifests, applies them with
``callboard --sandbox apply``, reads the webhook's id from ``callboard state show``, lets an
automation reach the webhook through the emulator's control API, and then looks at the
Customer Service Issue the way Tessitura staff would: through the Tessitura REST API.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers.emulator_host import build_emulator_app
from tests.cli.conftest import Result, Sandbox

TESSITURA_AUTH = ("callboard:admin:emulator", "emulator")
#: Tessitura keeps at most this many characters of a CSI's notes (seed 000, step 5).
NOTES_LIMIT = 4000
#: Seeded households: constituent 1067 (a 97th) shares patron1066@example.org with 1066.
HOUSEHOLD_EMAIL = "patron1066@example.org"
#: The Prospect2 contact of constituent 1066 (contacts are the even constituents, in order).
HOUSEHOLD_CONTACT = "34"
LONG_NOTES = "The patron asked for a call back about their accessibility needs. " * 45
LONG_COMMENT = "Wheelchair space needed near the aisle, with a companion seat. " * 40

MANIFESTS = {
    "callboard.yaml": """
organization:
  name: Lakeside Performing Arts
  timezone: America/Chicago
""",
    "tessitura.yaml": """
activity_types:
  csi-follow-up:
    description: Pro2 CSI Follow-up
    category: Customer Service
  csi-performance:
    description: Pro2 CSI Performance
    category: Customer Service
    perf_ind: Performance
  csi-logged:
    description: Pro2 CSI Logged
    category: Feedback Received
""",
    "custom_fields.yaml": """
custom_fields:
  patron-comment:
    title: PATRON_COMMENT
    type: textarea
    description: What the patron wrote in the form
  csi-perf-no:
    title: CSI_PERF_NO
    type: text
    description: Performance the patron attended
""",
    "csi_webhooks.yaml": f"""
csi_webhooks:
  call-back:
    title: Call back request
    contact_method: Phone
    activity_type: Pro2 CSI Follow-up
    notes: Patron asked to be called back.
    note_fields: [PATRON_COMMENT, SEAT_LOCATION]
    urgent: true

  accessibility:
    title: Accessibility request
    contact_method: E-mail
    activity_type: Pro2 CSI Follow-up
    notes: {json.dumps(LONG_NOTES)}
    note_fields: [PATRON_COMMENT]

  post-show:
    title: Post-show survey
    contact_method: E-mail
    activity_type: Pro2 CSI Performance
    performance_field: CSI_PERF_NO

  reply-logged:
    title: Survey reply logged
    contact_method: E-mail
    activity_type: Pro2 CSI Logged

  not-yet-live:
    title: Not yet live
    contact_method: E-mail
    activity_type: Pro2 CSI Follow-up
    enabled: false
""",
}


class CsiSandbox:
    """A sandbox applied with this module's manifests, and the outside world around it."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def apply(self) -> Result:
        shutil.rmtree(self.sandbox.manifests)
        self.sandbox.manifests.mkdir()
        for name, text in MANIFESTS.items():
            (self.sandbox.manifests / name).write_text(text.lstrip(), encoding="utf-8")
        return self.sandbox.run("apply", "--auto-approve")

    def webhook_id(self, name: str) -> str:
        shown = self.sandbox.run("state", "show", f"csi_webhooks.{name}")
        assert shown.code == 0, shown.err
        return str(json.loads(shown.out)["remote_id"])

    def request(self, method: str, path: str, json_body: Any = None,
                auth: tuple[str, str] | None = None) -> httpx.Response:
        async def call() -> httpx.Response:
            app = build_emulator_app(seed="demo",
                                     data_dir=str(self.sandbox.root / ".callboard/sandbox"))
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                         base_url="http://sandbox",
                                         headers={"Api-Token": "emulator-token"},
                                         auth=auth) as client:
                return await client.request(method, path, json=json_body)
        return asyncio.run(call())

    def fire(self, webhook: str, email: str) -> dict[str, Any]:
        """An automation's contact reaches the Webhook action holding this CSI's URL."""
        answer = self.request("POST", "/_emulator/automations/fire",
                              {"csiWebhookId": self.webhook_id(webhook), "email": email})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def tessitura(self, path: str) -> Any:
        answer = self.request("GET", f"/TessituraService{path}", auth=TESSITURA_AUTH)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def issue(self, issue_id: int) -> dict[str, Any]:
        return self.tessitura(f"/CRM/Issues/{issue_id}")

    def set_field_value(self, contact_id: str, perstag: str, value: str) -> None:
        """Set a contact's custom field through the Prospect2 API, as an import would."""
        fields = self.request("GET", f"/api/3/fields?limit=100").json()["fields"]
        field_id = next(f["id"] for f in fields if f["perstag"] == perstag)
        answer = self.request("POST", "/api/3/fieldValues",
                              {"fieldValue": {"contact": contact_id, "field": field_id,
                                              "value": value}})
        assert answer.status_code in (200, 201), answer.text


@pytest.fixture
def csi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> CsiSandbox:
    monkeypatch.chdir(tmp_path)
    for var in ("CALLBOARD_STATE", "CALLBOARD_MANIFESTS", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    world = CsiSandbox(Sandbox(tmp_path, capsys))
    applied = world.apply()
    assert applied.code == 0, applied.out + applied.err
    return world


def test_explore(csi: CsiSandbox) -> None:
    import time
    t=time.monotonic()
    r = csi.apply()
    print(time.monotonic()-t)
    print(r.out, r.err)
    r = csi.sandbox.run("plan")
    print(r.out, r.err)
    assert False
