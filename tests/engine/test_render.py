"""The three renderings of a representative plan (and of drift) are snapshots."""

from __future__ import annotations

import json

from engine.drift import DriftItem, DriftReport
from engine.plan.model import Change, FieldDiff, Plan, PlanWarning
from engine.render.json_output import drift_json, plan_json
from engine.render.markdown import MAX_CHARS, plan_markdown
from engine.render.text import drift_text, plan_text

SECRET = "https://p2.example/hooks/csi?token=s3cr3t-TOKEN-value"


def representative_plan() -> Plan:
    changes = [
        Change(action="create", address="tags.members-active", kind="tags",
               name="members-active", after={"name": "Member - Active",
                                             "description": "Current members"},
               origin="manifests/tags.yaml:7"),
        Change(action="adopt", address="tags.newsletter", kind="tags", name="newsletter",
               remote_id="3", before={"name": "Newsletter", "description": "Monthly"},
               after={"name": "Newsletter", "description": "Monthly"}, fingerprint="abc",
               origin="manifests/tags.yaml:3",
               notes=["exists already (id 3); Callboard will manage it"]),
        Change(action="update", address="custom_fields.seat-location", kind="custom_fields",
               name="seat-location", remote_id="12",
               before={"title": "Seat", "type": "text", "visible": True},
               after={"title": "SEAT_LOCATION", "type": "text", "visible": False},
               diffs=[FieldDiff("title", "Seat", "SEAT_LOCATION"),
                      FieldDiff("visible", True, False)], fingerprint="def",
               origin="manifests/custom_fields.yaml:9"),
        Change(action="replace", address="custom_fields.last-attended", kind="custom_fields",
               name="last-attended", remote_id="14",
               before={"title": "Last Attended", "type": "text"},
               after={"title": "Last Attended", "type": "date"},
               diffs=[FieldDiff("type", "text", "date")], replace_reason="type",
               fingerprint="123", origin="manifests/custom_fields.yaml:20"),
        Change(action="update", address="links.hook", kind="links", name="hook",
               remote_id="40", before={"label": "a", "url": SECRET},
               after={"label": "b", "url": SECRET},
               diffs=[FieldDiff("label", "a", "b"), FieldDiff("url", SECRET, SECRET + "x")]),
        Change(action="move", address="tags.very-important", kind="tags",
               name="very-important", remote_id="5", moved_from="tags.vip",
               before={"name": "VIP", "description": ""},
               after={"name": "VIP", "description": ""}, fingerprint="789",
               origin="manifests/tags.yaml:12"),
        Change(action="update", address="tags.donors", kind="tags", name="donors",
               remote_id="6", moved_from="tags.givers",
               before={"name": "Donors", "description": ""},
               after={"name": "Donors", "description": "Gave this season"},
               diffs=[FieldDiff("description", "", "Gave this season")], fingerprint="790",
               origin="manifests/tags.yaml:15"),
        Change(action="delete", address="tags.old-promo", kind="tags", name="old-promo",
               remote_id="9", before={"name": "Promo 2024", "description": ""},
               fingerprint="456", impact="carried by 1,204 contacts"),
    ]
    return Plan(id="00000000-0000-0000-0000-000000000001", created_at="2026-11-26T12:00:00+00:00",
                lineage="lineage-1", state_serial=4, changes=changes, managed_count=10,
                warnings=[PlanWarning("CSIs will be created closed: category auto-closes",
                                      "csi_webhooks.survey", "manifests/csi.yaml:4")],
                manifests="manifests", secret_fields={"links": ["url"]},
                estimates={"prospect2": {"calls": 7, "seconds": 1.4},
                           "tessitura": {"calls": 2, "seconds": 0.0}})


def test_plan_text(snapshot) -> None:
    assert plan_text(representative_plan()).plain == snapshot


def test_plan_markdown(snapshot) -> None:
    assert plan_markdown(representative_plan()) == snapshot


def test_plan_json(snapshot) -> None:
    text = plan_json(representative_plan())
    assert json.loads(text)["format_version"] == 1
    assert text == snapshot


def test_secrets_never_rendered() -> None:
    plan = representative_plan()
    for rendered in (plan_text(plan).plain, plan_markdown(plan), plan_json(plan)):
        assert "s3cr3t" not in rendered
        assert "(sensitive)" in rendered


def test_empty_plan_renderings(snapshot) -> None:
    plan = Plan(id="p", created_at="t", lineage="l", state_serial=0)
    assert (plan_text(plan).plain, plan_markdown(plan)) == snapshot


def test_markdown_stays_under_the_comment_limit() -> None:
    base = representative_plan()
    many = [Change(action="create", address=f"tags.t{i}", kind="tags", name=f"t{i}",
                   after={"name": f"Tag {i}", "description": "x" * 200}) for i in range(2000)]
    base.changes = many
    text = plan_markdown(base)
    assert len(text) < MAX_CHARS
    assert "Details truncated" in text
    assert "| `+` | `tags.t0` |" in text


def test_drift_renderings(snapshot) -> None:
    report = DriftReport(items=[
        DriftItem("changed", "tags.members-active", "tags", "5",
                  [FieldDiff("description", "Current members", "Edited by hand")]),
        DriftItem("deleted", "custom_fields.level", "custom_fields", "8"),
        DriftItem("unmanaged", "tags.VIP", "tags", "2", ignored=True),
        DriftItem("unmanaged", "tags.Spring Promo", "tags", "11"),
    ])
    assert report.has_drift
    assert (drift_text(report).plain, drift_json(report)) == snapshot


def test_a_replace_that_creates_the_new_object_first_shows_plus_minus(snapshot) -> None:
    """A Data Sync whose tag changes is made anew before the old one goes (seed 003): ``+/-``;
    a custom field whose type changes is deleted first: ``-/+``."""
    plan = Plan(id="p", created_at="t", lineage="l", state_serial=2, managed_count=12, changes=[
        Change(action="replace", address="custom_fields.level", kind="custom_fields",
               name="level", remote_id="4", before={"type": "text"}, after={"type": "date"},
               diffs=[FieldDiff("type", "text", "date")], replace_reason="type"),
        Change(action="replace", address="data_syncs.members", kind="data_syncs",
               name="members", remote_id="2", before={"tag": "Member - Active"},
               after={"tag": "Feedback - Requested"},
               diffs=[FieldDiff("tag", "Member - Active", "Feedback - Requested")],
               replace_reason="tag", create_before_destroy=True)])
    assert [c.symbol for c in plan.changes] == ["-/+", "+/-"]
    assert (plan_text(plan).plain, plan_markdown(plan)) == snapshot


def test_a_list_change_says_what_it_adds_removes_and_reorders() -> None:
    options = Change(action="update", address="custom_fields.level", kind="custom_fields",
                     name="level", remote_id="5",
                     before={"options": ["Friend", "Supporter", "Patron"]},
                     after={"options": ["Patron", "Friend", "Benefactor"]},
                     diffs=[FieldDiff("options", ["Friend", "Supporter", "Patron"],
                                      ["Patron", "Friend", "Benefactor"])])
    plan = Plan(id="p", created_at="t", lineage="l", state_serial=0, changes=[options])
    assert ('~     options = ["Friend", "Supporter", "Patron"] -> ["Patron", "Friend", '
            '"Benefactor"]  # adds "Benefactor"; removes "Supporter"; reorders'
            ) in plan_text(plan).plain
    report = DriftReport(items=[DriftItem("changed", "custom_fields.level", "custom_fields",
                                          "5", [FieldDiff("options", ["A"], ["A", "B"])])])
    assert 'options: applied ["A"], live ["A", "B"]  # live adds "B"' in drift_text(report).plain
    same_items = FieldDiff("lists", "all", ["Lakeside Newsletter"])
    options.diffs = [same_items]
    assert "#" not in plan_text(plan).plain.split("lists")[1].splitlines()[0]
