"""Seeds 000 and 001: the CSI webhook rules, each with a refused and an accepted manifest.

Every case runs through the real loader and planner against the in-process emulators; the
expected text is exactly what ``callboard plan`` prints.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.plan.model import Plan
from tests.rules.rule_support import warnings_of, workspace

pytestmark = pytest.mark.anyio


async def refused(tmp_path: Path, case: str) -> str:
    async with workspace(tmp_path) as ws:
        ws.use_case(case)
        return await ws.refused()


async def planned(tmp_path: Path, case: str) -> Plan:
    async with workspace(tmp_path) as ws:
        ws.use_case(case)
        return await ws.plan()


def creates(plan: Plan) -> list[str]:
    return [c.address for c in plan.changes if c.action == "create"]


async def test_seed000_title_unique_among_csi_webhooks(tmp_path: Path) -> None:
    """Seed 000 step 1: the title names the webhook on the dashboard, once."""
    assert await refused(tmp_path / "same", "csi_title_duplicate.bad") == (
        "manifests/csi_title_duplicate.bad.yaml:2: csi_webhooks.vip-feedback and "
        "csi_webhooks.vip-again (manifests/csi_title_duplicate.bad.yaml:6) both declare the "
        "csi_webhooks object 'VIP feedback'; one object can have only one address")
    assert await refused(tmp_path / "case", "csi_title_case.bad") == (
        "manifests/csi_title_case.bad.yaml:6: csi_webhooks.vip-feedback and "
        "csi_webhooks.vip-again (manifests/csi_title_case.bad.yaml:2) both declare the "
        "csi_webhooks object 'Vip Feedback'; one object can have only one address")
    plan = await planned(tmp_path / "good", "csi_title.good")
    assert creates(plan) == ["csi_webhooks.vip-feedback", "csi_webhooks.vip-follow-up"]


async def test_seed000_title_differing_in_case_from_a_live_webhook_warns(
        tmp_path: Path) -> None:
    """Seed 000 step 1: Prospect2 compares titles regardless of case."""
    async with workspace(tmp_path) as ws:
        made = await ws.api("POST", "/tessitura/csiWebhooks", {"csiWebhook": {
            "title": "Patron feedback", "contactMethodId": 1, "activityTypeId": 10}})
        assert made.status_code == 201
        ws.write("csi_webhooks:\n  shouting:\n    title: PATRON FEEDBACK\n"
                 "    contact_method: E-mail\n    activity_type: Patron Feedback\n",
                 "more.yaml")
        plan = await ws.plan()
    assert warnings_of(plan) == [
        "manifests/more.yaml:3: csi_webhooks.shouting: Prospect2 has a CSI webhook titled "
        "'Patron feedback' (id 1); titles are unique regardless of case, so creating this one "
        "fails unless it is that webhook renamed"]


async def test_seed000_package_activity_types_refused(tmp_path: Path) -> None:
    """Seed 000 step 4: only perf_ind none or Performance appear on the CSI form."""
    assert await refused(tmp_path / "bad", "csi_package_activity_type.bad") == (
        "manifests/csi_package_activity_type.bad.yaml:5: "
        "csi_webhooks.package-query.activity_type: Prospect2 does not offer Package activity "
        "types for CSI webhooks: 'Package Query' has perf_ind Package; choose one whose "
        "perf_ind is none or Performance")
    plan = await planned(tmp_path / "good", "csi_package_activity_type.good")
    assert creates(plan) == ["csi_webhooks.patron-feedback"] and not plan.warnings


async def test_seed001_performance_field_required_iff_performance(tmp_path: Path) -> None:
    """Seeds 000 step 4 and 001: a Performance activity type takes the performance number
    from a custom field; any other activity type has none."""
    assert await refused(tmp_path / "missing", "csi_performance_field_missing.bad") == (
        "manifests/csi_performance_field_missing.bad.yaml:2: "
        "csi_webhooks.show-feedback.performance_field: activity type 'Performance Feedback' "
        "is a Performance activity type: name the custom field that holds the performance "
        "number (e.g. PERFDATA__PERF_NO)")
    assert await refused(tmp_path / "forbidden", "csi_performance_field_forbidden.bad") == (
        "manifests/csi_performance_field_forbidden.bad.yaml:6: "
        "csi_webhooks.patron-feedback.performance_field: activity type 'Patron Feedback' is "
        "not a Performance activity type, so a performance field cannot be set; remove it or "
        "choose a Performance activity type")


async def test_seed001_performance_field_is_an_existing_declared_or_integration_field(
        tmp_path: Path) -> None:
    """Seed 001: the field is a Prospect2 custom field (live or declared), or one the
    integration fills: PERFDATA__PERF_NO, ORDER__PERF_NO, CUSTOM__*."""
    assert await refused(tmp_path / "bad", "csi_performance_field_unknown.bad") == (
        "manifests/csi_performance_field_unknown.bad.yaml:6: "
        "csi_webhooks.show-feedback.performance_field: AMAHL_PERF_N is neither a Prospect2 "
        "custom field nor declared under custom_fields (did you mean AMAHL_PERF_NO?); "
        "integration fields PERFDATA__PERF_NO, ORDER__PERF_NO and CUSTOM__* are accepted too")
    plan = await planned(tmp_path / "good", "csi_performance_field.good")
    fields = {c.address: c.after["performance_field"] for c in plan.changes
              if c.kind == "csi_webhooks" and c.after}
    assert fields == {"csi_webhooks.show-feedback": "PERFDATA__PERF_NO",
                      "csi_webhooks.amahl-feedback": "AMAHL_PERF_NO",
                      "csi_webhooks.gala-feedback": "GALA_PERF_NO",
                      "csi_webhooks.custom-view-feedback": "CUSTOM__LAST_PERF_NO"}


async def test_seed000_note_fields_are_custom_fields(tmp_path: Path) -> None:
    """Seed 000 step 5: note fields are custom fields of the contact record."""
    assert await refused(tmp_path / "bad", "csi_note_fields.bad") == (
        "manifests/csi_note_fields.bad.yaml:8: csi_webhooks.seat-feedback.note_fields.1: "
        "SEAT_LOCATON is neither a Prospect2 custom field nor declared under custom_fields "
        "(did you mean SEAT_LOCATION?); integration fields PERFDATA__PERF_NO, ORDER__PERF_NO "
        "and CUSTOM__* are accepted too")
    plan = await planned(tmp_path / "good", "csi_note_fields.good")
    assert plan.changes[0].after["note_fields"] == ["SEAT_LOCATION", "ORDER__PERF_NO"]


async def test_seed001_activity_type_tied_to_an_origin_refused(tmp_path: Path) -> None:
    """Seed 001: Origins tied to an activity type never generate a CSI; a dedicated
    activity type (declared here, created by the same apply) is the way out."""
    assert await refused(tmp_path / "bad", "csi_origin_activity_type.bad") == (
        "manifests/csi_origin_activity_type.bad.yaml:5: csi_webhooks.web-inquiry.activity_type:"
        " activity type 'Web Inquiry' is tied to the Origin 'Website' (id 1), so it would never"
        " create a CSI: delete the Origin or use a dedicated activity type")
    async with workspace(tmp_path / "good") as ws:
        ws.use_case("csi_origin_activity_type.good")
        plan = await ws.plan_and_apply()
        assert creates(plan) == ["activity_types.pro2-web-inquiry", "csi_webhooks.web-inquiry"]
        assert plan.changes[1].after["activity_type"] == "Pro2 Web Inquiry"
        assert (await ws.plan()).changes == []


async def test_seed000_auto_closing_category_warns(tmp_path: Path) -> None:
    """Seed 000 step 4: an auto-closing category creates closed CSIs: a warning only."""
    plan = await planned(tmp_path / "warn", "csi_auto_close.warn")
    assert creates(plan) == ["csi_webhooks.survey-reply"]
    assert warnings_of(plan) == [
        "manifests/csi_auto_close.warn.yaml:5: csi_webhooks.survey-reply: activity type "
        "'Survey Reply' is in the category 'Feedback Received', which auto-closes: CSIs will "
        "be created closed"]
    assert not (await planned(tmp_path / "quiet", "csi_package_activity_type.good")).warnings


def _notes_manifest(notes: str, note_fields: str = "[]") -> str:
    return ("csi_webhooks:\n  wordy:\n    title: Wordy\n    contact_method: E-mail\n"
            f"    activity_type: Patron Feedback\n    notes: {notes}\n"
            f"    note_fields: {note_fields}\n")


async def test_seed000_static_notes_over_4000_characters_refused(tmp_path: Path) -> None:
    """Seed 000 step 5: Tessitura's CSI notes hold 4,000 characters (refused as the manifest
    is read, so ``validate`` says it too)."""
    async with workspace(tmp_path) as ws:
        ws.write(_notes_manifest("x" * 4001))
        assert await ws.refused() == (
            "manifests/main.yaml:6: csi_webhooks.wordy.notes: is 4,001 characters long; "
            "Tessitura keeps at most 4,000")
        ws.write(_notes_manifest("x" * 3000))
        assert (await ws.plan()).warnings == []


async def test_seed000_notes_that_can_exceed_4000_characters_warn(tmp_path: Path) -> None:
    """Seed 000 step 5: the "Generated by Prospect2" line, the email and the note fields'
    values come with the notes, and Tessitura truncates the whole."""
    async with workspace(tmp_path) as ws:
        ws.write(_notes_manifest("x" * 3600, "[SEAT_LOCATION]"))
        plan = await ws.plan()
        assert warnings_of(plan) == [
            "manifests/main.yaml:6: csi_webhooks.wordy: CSI notes can reach 4,150 characters "
            "with the \"Generated by Prospect2\" line, an email of up to 254 characters and the "
            "note fields' values; Tessitura truncates them at 4,000"]
        ws.use_case("csi_notes_textarea.warn")
        assert warnings_of(await ws.plan()) == [
            "manifests/csi_notes_textarea.warn.yaml:9: csi_webhooks.comment-feedback: note "
            "field PATRON_COMMENT is a textarea field with no length limit, so CSI notes can "
            "exceed 4,000 characters and Tessitura will truncate them"]


