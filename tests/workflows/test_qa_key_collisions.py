"""An update that would give an object the natural key another live object has (QA pass).

Renaming a declared tag to the name of a tag that exists already (``VIP``, unmanaged), or
importing the wrong id (``import tags.newsletter 3``: VIP, not Newsletter), made a plan that
looked fine; apply then failed on Prospect2's "Duplicate tag" after the plan's other changes
went through. Now plan (and apply) refuse it first, at the field's file:line, with the way out;
nothing changes."""

from __future__ import annotations

import re

from tests.cli.conftest import Sandbox
from tests.workflows.test_qa_inactive_references import tessitura


def _tags(sandbox: Sandbox) -> list[tuple[str, str, str]]:
    rows = sandbox.api("GET", "/api/3/tags?limit=100").json()["tags"]
    return sorted((t["id"], t["tag"], t["description"]) for t in rows)


def test_renaming_a_tag_to_an_unmanaged_tags_name_is_refused_at_plan(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    tags = sandbox.manifests / "tags.yaml"
    text = tags.read_text()
    tags.write_text(text.replace("name: Member - Active", "name: vip").replace(
        "description: Asked for post-show feedback", "description: Asked for feedback"))
    line = tags.read_text().splitlines().index("    name: vip") + 1
    vip, active = sandbox.tag_id("VIP"), sandbox.tag_id("Member - Active")
    before = _tags(sandbox)

    for command in (("plan",), ("apply", "--auto-approve")):
        refused = sandbox.run(*command)

        assert refused.code == 1, refused.out
        assert refused.err.strip() == (
            f"Error: manifests/tags.yaml:{line}: tags.members-active.name: would change tags "
            f"object {active} from 'Member - Active' to 'vip', but tags object {vip} already "
            "has it (no address manages it), and a second one would be refused as a "
            "duplicate: choose another, or manage object "
            f"{vip} under tags.members-active instead ('callboard state rm "
            f"tags.members-active', then 'callboard import tags.members-active {vip}'). "
            "Nothing was changed.")
    assert _tags(sandbox) == before  # not even the other, harmless change went through


def test_importing_the_wrong_id_is_caught_by_the_next_plan(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    vip, newsletter = sandbox.tag_id("VIP"), sandbox.tag_id("Newsletter")
    assert sandbox.run("state", "rm", "tags.newsletter").code == 0
    assert sandbox.run("import", "tags.newsletter", vip).code == 0  # meant Newsletter
    before = _tags(sandbox)

    refused = sandbox.run("plan")

    assert refused.code == 1, refused.out
    assert (f"tags.newsletter.name: would change tags object {vip} from 'VIP' to 'Newsletter', "
            f"but tags object {newsletter} already has it") in refused.err
    assert _tags(sandbox) == before
    # The way out it names works.
    assert sandbox.run("state", "rm", "tags.newsletter").code == 0
    assert sandbox.run("import", "tags.newsletter", newsletter).code == 0
    assert sandbox.run("plan", "--detailed-exitcode").code == 0


def test_a_name_another_tag_gives_up_in_the_same_plan_needs_two_applies(
        sandbox: Sandbox) -> None:
    """Apply makes a group's changes at once and deletes last, so taking over a name that
    another tag gives up (renamed or deleted) in the same plan would meet the duplicate."""
    assert sandbox.run("apply", "--auto-approve").code == 0
    tags = sandbox.manifests / "tags.yaml"
    original = tags.read_text()
    requested, notified = sandbox.tag_id("Feedback - Requested"), sandbox.tag_id(
        "Notified - Cancellation")
    tags.write_text(original.replace("name: Feedback - Requested", "name: Feedback - Asked")
                    .replace("name: Notified - Cancellation", "name: Feedback - Requested"))
    before = _tags(sandbox)

    refused = sandbox.run("plan")

    assert refused.code == 1, refused.out
    assert (f"tags.cancellation-notice.name: would change tags object {notified} from "
            "'Notified - Cancellation' to 'Feedback - Requested', which tags.feedback-requested "
            f"(id {requested}) has until this plan changes it: apply makes its changes at once "
            "(deletes last), and the service would refuse a second 'Feedback - Requested'; "
            "apply the change of tags.feedback-requested first, with '--target "
            "tags.feedback-requested'. Nothing was changed.") in refused.err
    assert _tags(sandbox) == before

    # The way out it names works: two applies.
    first = sandbox.run("apply", "--auto-approve", "--target", "tags.feedback-requested")
    assert first.code == 0, first.err
    assert sandbox.run("apply", "--auto-approve").code == 0, "second apply"
    assert sandbox.tag_id("Feedback - Requested") == notified
    assert sandbox.tag_id("Feedback - Asked") == requested

    # A swap cannot be made in one step at all: said so.
    tags.write_text(original.replace("name: Notified - Cancellation", "name: Feedback - Asked"))
    swap = sandbox.run("plan")
    assert swap.code == 1, swap.out
    assert (f"tags.cancellation-notice.name: would change tags object {notified} from "
            "'Feedback - Requested' to 'Feedback - Asked', while tags.feedback-requested "
            f"(id {requested}) changes from 'Feedback - Asked' to 'Feedback - Requested': a "
            "swap the service cannot make in one step; give one of them a temporary value in "
            "an apply of its own first. Nothing was changed.") in swap.err


def test_taking_the_name_of_a_tag_a_targeted_plan_keeps_is_refused(sandbox: Sandbox) -> None:
    """``tags.feedback-requested`` is no longer declared, but ``--target`` leaves its delete
    out: it keeps its name, so taking that name is refused, naming it."""
    assert sandbox.run("apply", "--auto-approve").code == 0
    tags = sandbox.manifests / "tags.yaml"
    text = re.sub(r"  feedback-requested:\n(    .*\n)+\n?", "", tags.read_text()).replace(
        "name: Notified - Cancellation", "name: Feedback - Requested")
    tags.write_text(text)
    line = text.splitlines().index("    name: Feedback - Requested") + 1
    requested, notified = sandbox.tag_id("Feedback - Requested"), sandbox.tag_id(
        "Notified - Cancellation")
    before = _tags(sandbox)

    for command in ("plan", "apply"):
        refused = sandbox.run(command, "--target", "tags.cancellation-notice",
                              *(["--auto-approve"] if command == "apply" else []))

        assert refused.code == 1, refused.out
        assert refused.err.strip() == (
            f"Error: manifests/tags.yaml:{line}: tags.cancellation-notice.name: would change "
            f"tags object {notified} from 'Notified - Cancellation' to 'Feedback - Requested', "
            f"but tags.feedback-requested (id {requested}) already has it, and a second one "
            "would be refused as a duplicate: choose another. Nothing was changed.")
    assert _tags(sandbox) == before


def _fields(sandbox: Sandbox) -> dict[str, str]:
    rows = sandbox.api("GET", "/api/3/fields?limit=100").json()["fields"]
    return {f["perstag"]: f["id"] for f in rows}


def test_a_replace_onto_the_key_of_a_field_the_plan_deletes_needs_two_applies(
        sandbox: Sandbox) -> None:
    """A custom field's new perstag (a replace: a new field) that a field this plan deletes
    has: the create would meet the duplicate before the delete. The refusal points at the
    perstag, not the title that changes with it."""
    assert sandbox.run("apply", "--auto-approve").code == 0
    fields = sandbox.manifests / "custom_fields.yaml"
    text = fields.read_text()
    text = re.sub(r"  seat-location:\n(    .*\n)+\n", "", text).replace(
        "    title: AMAHL_PERF_NO ", "    title: Seat Location\n    perstag: SEAT_LOCATION #")
    fields.write_text(text)
    line = next(n for n, t in enumerate(text.splitlines(), 1)
                if t.startswith("    perstag: SEAT_LOCATION"))
    webhooks = sandbox.manifests / "csi_webhooks.yaml"  # nothing names the field any more
    webhooks.write_text(webhooks.read_text().replace("    note_fields: [SEAT_LOCATION]\n", ""))
    ids = _fields(sandbox)
    before = sorted(ids.items())

    refused = sandbox.run("plan")

    assert refused.code == 1, refused.out
    assert refused.err.strip() == (
        f"Error: manifests/custom_fields.yaml:{line}: custom_fields.amahl-perf-no.perstag: "
        f"would change custom_fields object {ids['AMAHL_PERF_NO']} from 'AMAHL_PERF_NO' to "
        f"'SEAT_LOCATION', which custom_fields.seat-location (id {ids['SEAT_LOCATION']}) has "
        "until this plan changes it: apply makes its changes at once (deletes last), and the "
        "service would refuse a second 'SEAT_LOCATION'; apply the change of "
        "custom_fields.seat-location first, with '--target custom_fields.seat-location'. "
        "Nothing was changed.")
    assert sorted(_fields(sandbox).items()) == before


def test_an_update_keeping_a_description_another_activity_type_shares_is_planned(
        sandbox: Sandbox) -> None:
    """Tessitura, unlike Prospect2, lets two activity types share a description: an update
    that keeps its own is no collision, even with an unmanaged twin."""
    assert sandbox.run("apply", "--auto-approve").code == 0
    mine = next(row for row in tessitura(sandbox, "GET", "/ReferenceData/ActivityTypes")
                if row["Description"] == "Pro2 Feedback")
    twin = tessitura(sandbox, "POST", "/ReferenceData/ActivityTypes", {
        k: v for k, v in mine.items() if k in ("Description", "Category", "PerfInd")})
    assert twin["Id"] != mine["Id"]
    path = sandbox.manifests / "tessitura.yaml"
    path.write_text(path.read_text().replace("category: Customer Service          #",
                                             "category: Ticketing  #", 1))

    planned = sandbox.run("plan")

    assert planned.code == 0, planned.err
    assert "activity_types.pro2-feedback will be updated in place" in planned.out


def test_a_move_keeps_the_live_name_an_ignored_field_holds(sandbox: Sandbox) -> None:
    """``ignore_changes: [name]`` keeps the live name whatever the manifest says (``VIP``,
    another tag's): moving the state entry changes no name, so nothing collides."""
    assert sandbox.run("apply", "--auto-approve").code == 0
    tags = sandbox.manifests / "tags.yaml"
    tags.write_text(tags.read_text().replace(
        "  cancellation-notice:\n    name: Notified - Cancellation\n",
        "  cancelled:\n    name: VIP\n    lifecycle: {ignore_changes: [name]}\n"))
    (sandbox.manifests / "moves.yaml").write_text(
        "moved:\n  - {from: tags.cancellation-notice, to: tags.cancelled}\n")
    before = _tags(sandbox)

    applied = sandbox.run("apply", "--auto-approve")

    assert applied.code == 0, applied.err
    assert "tags.cancellation-notice -> tags.cancelled (moved)" in applied.out
    assert "0 to add, 0 to change, 0 to replace, 0 to destroy" in applied.out
    assert _tags(sandbox) == before


def test_an_update_keeps_the_live_name_an_ignored_field_holds(sandbox: Sandbox) -> None:
    """With ``ignore_changes: [name]`` an update writes the live name back, so a declared name
    another tag has (``VIP``) collides with nothing; plan used to refuse it (stop 21)."""
    assert sandbox.run("apply", "--auto-approve").code == 0
    tags = sandbox.manifests / "tags.yaml"
    asked = sandbox.tag_id("Feedback - Requested")
    tags.write_text(tags.read_text().replace(
        "name: Feedback - Requested", "name: VIP\n    lifecycle: {ignore_changes: [name]}"
    ).replace("description: Asked for post-show feedback by", "description: Asked by"))

    applied = sandbox.run("apply", "--auto-approve")

    assert applied.code == 0, applied.err
    assert "0 to add, 1 to change, 0 to replace, 0 to destroy" in applied.out
    assert (asked, "Feedback - Requested", "Asked by the feedback automation") in _tags(sandbox)
