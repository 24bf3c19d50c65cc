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
#: Manifest notes never end in a blank (validate refuses one).
LONG_NOTES = ("The patron asked for a call back about their accessibility needs. " * 45).strip()
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
    category: Feedback Received           # auto-closes
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
    """A sandbox holding this module's manifests, and the outside world around it."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def write_manifests(self, **overrides: str) -> None:
        """Replace the example manifests with this module's (``overrides`` by file name)."""
        shutil.rmtree(self.sandbox.manifests)
        self.sandbox.manifests.mkdir()
        for name, text in {**MANIFESTS, **overrides}.items():
            (self.sandbox.manifests / name).write_text(text.lstrip(), encoding="utf-8")

    def run(self, *args: str) -> Result:
        return self.sandbox.run(*args)

    def apply(self) -> None:
        applied = self.run("apply", "--auto-approve")
        assert applied.code == 0, applied.out + applied.err

    def remote_id(self, address: str) -> str:
        """The id Callboard recorded for a managed resource (``callboard state show``)."""
        shown = self.run("state", "show", address)
        assert shown.code == 0, shown.err
        return str(json.loads(shown.out)["remote_id"])

    def request(self, method: str, path: str, json_body: Any = None,
                auth: tuple[str, str] | None = None) -> httpx.Response:
        """One call to the sandbox's emulators, from outside Callboard."""
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
        """A contact reaches an automation's Webhook action holding this CSI's URL."""
        answer = self.request("POST", "/_emulator/automations/fire",
                              {"csiWebhookId": self.remote_id(f"csi_webhooks.{webhook}"),
                               "email": email})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def fire_and_read(self, webhook: str, email: str) -> dict[str, Any]:
        """Fire, then read the created Issue back through the Tessitura API."""
        answer = self.fire(webhook, email)
        assert answer["issueId"] is not None, answer
        return self.tessitura(f"/CRM/Issues/{answer['issueId']}")

    def tessitura(self, path: str) -> Any:
        answer = self.request("GET", f"/TessituraService{path}", auth=TESSITURA_AUTH)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def owners(self, email: str) -> list[int]:
        rows = self.tessitura(f"/CRM/ElectronicAddresses?address={email}")
        return sorted({row["Constituent"]["Id"] for row in rows})

    def set_field_value(self, contact_id: str, perstag: str, value: str) -> None:
        """Set a contact's custom field through the Prospect2 API, as an import would."""
        fields = self.request("GET", "/api/3/fields?limit=100").json()["fields"]
        field_id = next(f["id"] for f in fields if f["perstag"] == perstag)
        answer = self.request("POST", "/api/3/fieldValues",
                              {"fieldValue": {"contact": contact_id, "field": field_id,
                                              "value": value}})
        assert answer.status_code in (200, 201), answer.text


@pytest.fixture
def csi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> CsiSandbox:
    """A fresh sandbox with this module's manifests written (not yet applied)."""
    monkeypatch.chdir(tmp_path)
    for var in ("CALLBOARD_STATE", "CALLBOARD_MANIFESTS", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    world = CsiSandbox(Sandbox(tmp_path, capsys))
    world.write_manifests()
    return world


@pytest.fixture
def applied(csi: CsiSandbox) -> CsiSandbox:
    csi.apply()
    return csi


# -- seed 001: whose CSI it is ---------------------------------------------------------------
def test_issue_goes_to_the_lowest_constituent_owning_the_email(applied: CsiSandbox) -> None:
    """Seed 001: "Prospect2 will locate the lowest numeric constituent ID that has ownership
    of the email address"; seed 000, steps 3, 4 and 6: contact method, activity type, urgent."""
    owners = applied.owners(HOUSEHOLD_EMAIL)
    assert len(owners) == 2, owners  # a household: both constituents own the address

    issue = applied.fire_and_read("call-back", HOUSEHOLD_EMAIL)

    assert issue["Constituent"]["Id"] == owners[0]
    assert applied.tessitura(f"/CRM/Issues?constituentId={owners[1]}") == []
    assert issue["ContactType"]["Description"] == "Phone"
    assert issue["ActivityType"]["Id"] == int(applied.remote_id("activity_types.csi-follow-up"))
    assert issue["ActivityType"]["Description"] == "Pro2 CSI Follow-up"
    assert issue["UrgentIndicator"] is True
    assert issue["ResolvedIndicator"] is False  # Customer Service does not auto-close
    assert issue["PerformanceId"] == 0  # not a Performance activity type


def test_issue_goes_to_a_lower_constituent_who_gained_the_address_later(
        applied: CsiSandbox) -> None:
    """Seed 001: the lowest id wins even when the address is another constituent's primary."""
    churned = applied.request("POST", "/_emulator/churn",
                              {"list_id": 105, "share_email": 10, "seed": 1}).json()
    # Constituents with even ids are Prospect2 contacts, so an automation can reach them.
    shared = next(s for s in churned["shared_addresses"]
                  if s["ConstituentId"] < s["SharedWith"] and s["SharedWith"] % 2 == 0)
    assert applied.owners(shared["Address"]) == [shared["ConstituentId"], shared["SharedWith"]]

    issue = applied.fire_and_read("call-back", shared["Address"].upper())

    assert issue["Constituent"]["Id"] == shared["ConstituentId"]


# -- seed 000, step 5: notes -------------------------------------------------------------------
def test_notes_hold_the_generated_line_then_the_notes_then_the_note_fields(
        applied: CsiSandbox) -> None:
    """Seed 000, step 5: 'Generated by Prospect2' and the email, the note text, then the
    custom fields' values from the contact record."""
    comment = "Prefers a call after 5pm."
    applied.set_field_value(HOUSEHOLD_CONTACT, "PATRON_COMMENT", comment)

    notes = applied.fire_and_read("call-back", HOUSEHOLD_EMAIL)["Notes"]

    assert notes.startswith("Generated by Prospect2")
    positions = [notes.index(part) for part in
                 (HOUSEHOLD_EMAIL, "Patron asked to be called back.", comment)]
    assert positions == sorted(positions), notes
    assert notes.index("PATRON_COMMENT") < notes.index("SEAT_LOCATION")


def test_notes_are_cut_at_4000_characters(applied: CsiSandbox) -> None:
    """Seed 000, step 5: "If the combination of note text and custom field data exceeds 4,000
    characters, the note in Tessitura will be truncated" (rather than no CSI at all)."""
    assert len(LONG_NOTES) < NOTES_LIMIT < len(LONG_NOTES) + len(LONG_COMMENT)
    applied.set_field_value(HOUSEHOLD_CONTACT, "PATRON_COMMENT", LONG_COMMENT)

    notes = applied.fire_and_read("accessibility", HOUSEHOLD_EMAIL)["Notes"]

    assert len(notes) == NOTES_LIMIT
    assert notes.startswith(f"Generated by Prospect2: {HOUSEHOLD_EMAIL}")
    assert LONG_NOTES.strip() in notes
    tail = notes[notes.index(LONG_NOTES.strip()) + len(LONG_NOTES.strip()):]
    value = tail[tail.index("PATRON_COMMENT") + len("PATRON_COMMENT: "):]
    assert value and LONG_COMMENT.startswith(value)  # the field's value, cut short


# -- seed 001: the performance number ----------------------------------------------------------
@pytest.mark.parametrize(("values", "expected"), [
    pytest.param(["4101", "4107"], 4107, id="numeric: the current value"),
    pytest.param([" 4107 "], 4107, id="numeric with spaces"),
    pytest.param([], 0, id="missing"),
    pytest.param(["Row C Seat 12"], 0, id="non-numeric"),
    pytest.param(["4\u00b2"], 0, id="unicode digit"),
    pytest.param(["99999999999"], 0, id="beyond Tessitura's int32"),
])
def test_performance_number_comes_from_the_contacts_current_field_value(
        applied: CsiSandbox, values: list[str], expected: int) -> None:
    """Seed 001: "we'll return the current value of the Custom Field from the contact record
    in Prospect2 and will associate that value with the performance" (spec: else 0)."""
    for value in values:
        applied.set_field_value(HOUSEHOLD_CONTACT, "CSI_PERF_NO", value)

    issue = applied.fire_and_read("post-show", HOUSEHOLD_EMAIL)

    assert issue["PerformanceId"] == expected
    assert issue["ActivityType"]["Id"] == int(applied.remote_id("activity_types.csi-performance"))


# -- seed 000, step 4: categories that auto-close ----------------------------------------------
def test_an_auto_closing_category_creates_the_issue_closed(csi: CsiSandbox) -> None:
    """Seed 000, step 4: "Activity Categories ... can auto-close, meaning the CSI will be marked
    closed upon creation" — and Callboard's plan says so before anything is applied."""
    plan = csi.run("plan")
    assert plan.code == 0, plan.err
    warnings = [line for line in (plan.out + plan.err).splitlines()
                if "csi_webhooks.reply-logged" in line and "auto-closes" in line]
    assert warnings, plan.out + plan.err
    csi.apply()

    issue = csi.fire_and_read("reply-logged", HOUSEHOLD_EMAIL)

    assert issue["ResolvedIndicator"] is True
    assert issue["ActivityType"]["Category"]["Description"] == "Feedback Received"


# -- seed 000, "Activate the CSI": when nothing is created -------------------------------------
def test_an_inactive_webhook_creates_nothing_until_it_is_turned_on(applied: CsiSandbox) -> None:
    """Seed 000: "CSIs in an 'OFF' status will not trigger webhook actions"."""
    answer = applied.fire("not-yet-live", HOUSEHOLD_EMAIL)

    assert answer["issueId"] is None and answer["reason"]
    assert applied.tessitura("/CRM/Issues") == []

    applied.write_manifests(**{"csi_webhooks.yaml": MANIFESTS["csi_webhooks.yaml"].replace(
        "enabled: false", "enabled: true")})
    applied.apply()
    assert applied.fire("not-yet-live", HOUSEHOLD_EMAIL)["issueId"] is not None


def test_an_email_no_constituent_owns_creates_nothing(applied: CsiSandbox) -> None:
    """Seed 001: the CSI belongs to a constituent owning the email; with none there is no CSI."""
    stranger = "walk-in@nowhere.example"
    assert applied.owners(stranger) == []

    answer = applied.fire("call-back", stranger)

    assert answer["issueId"] is None
    assert stranger in answer["reason"]
    assert applied.tessitura("/CRM/Issues") == []


# -- the Tessitura side of the wire ------------------------------------------------------------
@pytest.mark.parametrize(("field", "value"), [
    ("PerformanceId", "4107"), ("PerformanceId", 2**31), ("UrgentIndicator", "yes"),
])
def test_tessitura_refuses_an_issue_whose_fields_have_the_wrong_type(
        applied: CsiSandbox, field: str, value: Any) -> None:
    """Tessitura's Issue has int32 ids and boolean flags (the reference Swagger): a CSI with
    anything else is refused with the field named, not stored for staff to trip over."""
    constituent = applied.owners(HOUSEHOLD_EMAIL)[0]
    body = {"Constituent": {"Id": constituent}, "ContactType": {"Id": 1},
            "ActivityType": {"Id": int(applied.remote_id("activity_types.csi-follow-up"))},
            "Notes": "Generated by Prospect2", field: value}

    answer = applied.request("POST", "/TessituraService/CRM/Issues", body, auth=TESSITURA_AUTH)

    assert answer.status_code == 400
    assert [error["ErrorPath"] for error in answer.json()] == [field]
    assert applied.tessitura("/CRM/Issues") == []
