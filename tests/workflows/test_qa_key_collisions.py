"""An update that would give an object the natural key another live object has (QA pass).

Renaming a declared tag to the name of a tag that exists already (``VIP``, unmanaged), or
importing the wrong id (``import tags.newsletter 3``: VIP, not Newsletter), made a plan that
looked fine; apply then failed on Prospect2's "Duplicate tag" after the plan's other changes
went through. Now plan (and apply) refuse it first, at the field's file:line, with the way out;
nothing changes."""

from __future__ import annotations

from tests.cli.conftest import Sandbox


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
