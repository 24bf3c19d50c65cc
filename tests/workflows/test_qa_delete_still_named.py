"""Deleting an object that a resource which stays still names (QA pass).

A user stops declaring ``tags.lapsed-donors`` but keeps ``data_syncs.lapsed-donors``, now
naming the tag by its Prospect2 name (``tag: Donor - Lapsed``). The plan once deleted the tag
(taking it off every contact), apply did so, and then the sync was left pointing at a tag that
no longer existed: every later ``plan`` failed on the manifests and every ``sync run`` refused.
The same with ``--target tags.lapsed-donors`` while the sync, no longer declared either, was
left out of the targeted plan: the tag went first, the sync stayed live with it gone.

Now plan refuses before anything changes, naming the resource that still names the object
(with its file:line when a manifest declares it) and the two ways out."""

from __future__ import annotations

import re

import pytest

from tests.cli.conftest import Sandbox


def _drop_tag(sandbox: Sandbox) -> None:
    tags = sandbox.manifests / "tags.yaml"
    text = tags.read_text()
    tags.write_text(re.sub(r"  lapsed-donors:\n(    .*\n)+\n", "", text))
    assert "Donor - Lapsed" not in tags.read_text()


def _live_tag(sandbox: Sandbox) -> list[str]:
    tags = sandbox.api("GET", "/api/3/tags?search=Donor - Lapsed").json()["tags"]
    return [t["id"] for t in tags if t["tag"] == "Donor - Lapsed"]


def test_a_plan_deleting_a_tag_a_declared_sync_still_names_is_refused(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    tag_ids = _live_tag(sandbox)
    assert len(tag_ids) == 1
    _drop_tag(sandbox)
    syncs = sandbox.manifests / "data_syncs.yaml"
    syncs.write_text(syncs.read_text().replace("tag: lapsed-donors", "tag: Donor - Lapsed"))
    line = syncs.read_text().splitlines().index("    tag: Donor - Lapsed") + 1
    assert sandbox.run("validate").code == 0  # the manifests themselves are fine

    for command in (("plan",), ("apply", "--auto-approve")):
        refused = sandbox.run(*command)

        assert refused.code == 1, refused.out
        assert refused.err.strip() == (
            f"Error: manifests/data_syncs.yaml:{line}: data_syncs.lapsed-donors.tag: names "
            "tags.lapsed-donors ('Donor - Lapsed'), which this plan would destroy: declare "
            "tags.lapsed-donors again, or run 'callboard state rm tags.lapsed-donors' to stop "
            "managing it and leave it in place. Nothing was changed.")
    assert _live_tag(sandbox) == tag_ids
    assert "tags.lapsed-donors" in sandbox.run("state", "list").out

    # The way out it names works: the tag stays, unmanaged, and the sync keeps it.
    assert sandbox.run("state", "rm", "tags.lapsed-donors").code == 0
    plan = sandbox.run("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.out + plan.err
    assert _live_tag(sandbox) == tag_ids


def test_a_targeted_delete_of_a_tag_a_live_sync_still_names_is_refused(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    tag_ids = _live_tag(sandbox)
    _drop_tag(sandbox)
    syncs = sandbox.manifests / "data_syncs.yaml"
    text = syncs.read_text()
    syncs.write_text(text[:text.index("  lapsed-donors:")])

    refused = sandbox.run("plan", "--target", "tags.lapsed-donors")

    assert refused.code == 1, refused.out
    assert refused.err.strip() == (
        "Error: plan refused: tags.lapsed-donors would be destroyed while "
        "data_syncs.lapsed-donors, which this plan leaves in place, still names it: target "
        "data_syncs.lapsed-donors as well (--target data_syncs.lapsed-donors), so it goes "
        "first. Nothing was changed.")
    assert sandbox.run("apply", "--auto-approve", "--target", "tags.lapsed-donors").code == 1
    assert _live_tag(sandbox) == tag_ids

    both = sandbox.run("apply", "--auto-approve", "--target", "tags.lapsed-donors",
                       "--target", "data_syncs.lapsed-donors")
    assert both.code == 0, both.err
    assert _live_tag(sandbox) == []
    assert sandbox.api("GET", "/api/3/tessitura/dataSyncs/1").status_code == 404
    assert "lapsed-donors" not in sandbox.run("state", "list").out


def _drop(sandbox: Sandbox, file: str, name: str) -> None:
    path = sandbox.manifests / file
    text = path.read_text()
    path.write_text(re.sub(rf"  {name}:\n(    .*\n)+\n?", "", text))
    assert f"  {name}:" not in path.read_text()


@pytest.mark.parametrize(("file", "written", "as_written", "field", "named"), [
    # a list item, written with the perstag's %...% and in lower case
    ("csi_webhooks.yaml", "    note_fields: [SEAT_LOCATION]",
     '    note_fields: ["%seat_location%"]',
     "csi_webhooks.cancellation-feedback.note_fields.0", "seat-location"),
    # a mapping's key (a perstag, not a custom field's NAME), two levels down
    ("data_syncs.yaml", "        membership-level: Membership Level",
     "        membership_level: Membership Level",
     "data_syncs.members.contact_data.fields.membership_level", "membership-level"),
], ids=["list-item", "nested-key"])
def test_the_refusal_points_at_the_nested_field_that_names_the_object(
        sandbox: Sandbox, file: str, written: str, as_written: str, field: str,
        named: str) -> None:
    """The field is found as the user wrote it (a perstag's ``%`` and case), however deep."""
    assert sandbox.run("apply", "--auto-approve").code == 0
    _drop(sandbox, "custom_fields.yaml", named)
    path = sandbox.manifests / file
    assert written in path.read_text()
    path.write_text(path.read_text().replace(written, as_written))
    line = path.read_text().splitlines().index(as_written) + 1
    address = f"custom_fields.{named}"
    perstag = named.upper().replace("-", "_")

    refused = sandbox.run("plan")

    assert refused.code == 1, refused.out
    assert refused.err.strip() == (
        f"Error: manifests/{file}:{line}: {field}: names {address} ({perstag!r}), which this "
        f"plan would destroy: declare {address} again, or run 'callboard state rm {address}' "
        "to stop managing it and leave it in place. Nothing was changed.")
