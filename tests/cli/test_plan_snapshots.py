"""Plans of the example organization, every kind, as users see them (syrupy snapshots).

The first plan creates, adopts and updates objects of every kind and carries the seed 000
auto-close warning; the second, after apply, replaces a Data Sync (its tag changed while
enabled) and a custom field (type), updates a CSI webhook and deletes a tag.
"""

from __future__ import annotations

import json

from tests.cli.conftest import Sandbox

VOLATILE = ("id", "created_at", "lineage", "manifests", "manifest_digest")


def _stable_json(text: str) -> dict:
    data = json.loads(text)
    for key in VOLATILE:
        data[key] = f"<{key}>"
    return data


def _edit(sandbox: Sandbox, name: str, old: str, new: str) -> None:
    path = sandbox.manifests / name
    text = path.read_text()
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new))


def test_first_plan_of_the_example_organization(sandbox: Sandbox, snapshot) -> None:
    text = sandbox.run("plan")
    markdown = sandbox.run("plan", "--format", "markdown")
    data = sandbox.run("plan", "--format", "json")
    assert "Warning: csi_webhooks.survey-reply-logged" in text.out
    assert {c["kind"] for c in json.loads(data.out)["changes"]} == {
        "activity_types", "tessitura_defaults", "tags", "custom_fields", "csi_webhooks",
        "data_syncs", "campaign_writebacks"}
    assert "?token=" not in text.out + markdown.out + data.out
    assert (text.out, markdown.out, _stable_json(data.out)) == snapshot


def _replace_update_delete(sandbox: Sandbox) -> None:
    """Replace a Data Sync (tag) and a custom field (type), update a webhook, delete a tag."""
    _edit(sandbox, "data_syncs.yaml", "    tag: members-active", "    tag: feedback-requested")
    _edit(sandbox, "data_syncs.yaml", "trigger_webhooks: true ", "trigger_webhooks: false")
    _edit(sandbox, "custom_fields.yaml", "    type: date", "    type: datetime")
    _edit(sandbox, "csi_webhooks.yaml", "Completed the post-show survey.",
          "Completed the post-show survey; see the survey tool for answers.")
    _edit(sandbox, "tags.yaml", "  cancellation-notice:\n", "  cancellation-notice-gone:\n")
    text = (sandbox.manifests / "tags.yaml").read_text()
    (sandbox.manifests / "tags.yaml").write_text(text.split("  cancellation-notice-gone:")[0]
                                                 + "  feedback-requested:" +
                                                 text.split("  feedback-requested:")[1])


def test_plan_with_replaces_updates_and_a_delete(sandbox: Sandbox, snapshot) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    _replace_update_delete(sandbox)
    plan = sandbox.run("plan", "--detailed-exitcode")
    assert plan.code == 2
    data = json.loads(sandbox.run("plan", "--format", "json").out)
    actions = {c["address"]: (c["action"], c["replace_reason"]) for c in data["changes"]}
    assert actions == {
        "data_syncs.members": ("replace", "tag"),
        "custom_fields.last-attended": ("replace", "type"),
        "csi_webhooks.post-show-survey": ("update", None),
        "tags.cancellation-notice": ("delete", None),
    }
    markdown = sandbox.run("plan", "--format", "markdown")
    assert (plan.out, markdown.out, _stable_json(json.dumps(data))) == snapshot


def test_apply_says_what_it_did_to_each_object(sandbox: Sandbox, snapshot) -> None:
    """Each finished change gets a line with its new or kept id (one at a time, so in plan
    order): created, adopted, updated; then replaced, updated, deleted."""
    first = sandbox.run("apply", "--auto-approve", "--parallelism", "1")
    assert first.code == 0, first.err
    assert "tags.newsletter: adopted (id " in first.out
    _replace_update_delete(sandbox)
    second = sandbox.run("apply", "--auto-approve", "--parallelism", "1")
    assert second.code == 0, second.err
    assert "tags.cancellation-notice: deleted" in second.out
    assert (first.out, second.out) == snapshot


def test_plan_of_a_sync_renamed_without_moved(sandbox: Sandbox, snapshot) -> None:
    """The delete and the create, and the warning on the pair with the ``moved`` entry, as
    text, markdown (the PR comment) and JSON."""
    assert sandbox.run("apply", "--auto-approve").code == 0
    _edit(sandbox, "data_syncs.yaml", "\n  lapsed-donors:\n", "\n  renewals:\n")
    text = sandbox.run("plan")
    markdown = sandbox.run("plan", "--format", "markdown")
    data = sandbox.run("plan", "--format", "json")
    assert "looks like data_syncs.lapsed-donors renamed" in text.out
    assert (text.out, markdown.out, _stable_json(data.out)) == snapshot
