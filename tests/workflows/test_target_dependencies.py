"""``--target`` takes along what the targets depend on, lists it, and warns the plan is partial.

On a fresh organization, ``--target data_syncs.members`` used to plan the sync alone and fail
at apply (its tag did not exist yet). As in Terraform, the tag comes along now, and so do the
custom fields its contact data fills.
"""

from __future__ import annotations

import json

from tests.cli.conftest import Sandbox

WARNING = "Warning: Resource targeting is in effect: this plan covers only "


def _plan(sandbox: Sandbox, *targets: str) -> dict:
    args = [a for t in targets for a in ("--target", t)]
    result = sandbox.run("plan", "--format", "json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def _state(sandbox: Sandbox) -> set[str]:
    return {line.split("\t")[0] for line in sandbox.run("state", "list").out.splitlines()}


MEMBERS_NEEDS = ["custom_fields.last-attended", "custom_fields.membership-level",
                 "tags.members-active"]


def test_a_targeted_sync_on_a_fresh_organization_applies_with_its_tag(sandbox: Sandbox,
                                                                       snapshot) -> None:
    plan = sandbox.run("plan", "--target", "data_syncs.members")
    assert plan.code == 0, plan.err
    assert (WARNING + f"data_syncs.members and what it depends on ({', '.join(MEMBERS_NEEDS)})"
            ) in plan.out
    data = _plan(sandbox, "data_syncs.members")
    assert [(c["action"], c["address"]) for c in data["changes"]] == [  # in kind order
        ("create", "tags.members-active"), ("create", "custom_fields.last-attended"),
        ("create", "custom_fields.membership-level"), ("create", "data_syncs.members")]
    assert data["targets"] == ["data_syncs.members"]
    assert data["target_dependencies"] == MEMBERS_NEEDS
    assert plan.out == snapshot

    applied = sandbox.run("apply", "--auto-approve", "--target", "data_syncs.members")
    assert applied.code == 0, applied.err
    assert "Resource targeting is in effect" in applied.out
    assert _state(sandbox) == {*MEMBERS_NEEDS, "data_syncs.members"}
    syncs = sandbox.api("GET", "/api/3/tessitura/dataSyncs").json()["dataSyncs"]
    assert [(s["name"], s["tag"]) for s in syncs] == [("members", "Member - Active")]
    run = sandbox.run("sync", "run", "members")
    assert run.code == 0, run.err


def test_a_targeted_csi_webhook_takes_its_activity_type_and_note_field(
        sandbox: Sandbox) -> None:
    data = _plan(sandbox, "csi_webhooks.cancellation-feedback")
    assert data["target_dependencies"] == ["activity_types.pro2-feedback",
                                           "custom_fields.seat-location"]
    assert [c["address"] for c in data["changes"]] == [
        "activity_types.pro2-feedback", "custom_fields.seat-location",
        "csi_webhooks.cancellation-feedback"]
    assert sandbox.run("apply", "--auto-approve", "--target",
                       "csi_webhooks.cancellation-feedback").code == 0
    assert _state(sandbox) == set(data["target_dependencies"]) | {
        "csi_webhooks.cancellation-feedback"}


def test_a_whole_kind_takes_every_dependency_once(sandbox: Sandbox) -> None:
    data = _plan(sandbox, "data_syncs")
    assert data["target_dependencies"] == [*MEMBERS_NEEDS[:2], "tags.lapsed-donors",
                                           "tags.members-active", "tags.newsletter"]
    assert {c["kind"] for c in data["changes"]} == {"custom_fields", "tags", "data_syncs"}
    # a whole kind keeps its resources' warnings (the members sync's notify), not others'
    assert [w["address"] for w in data["warnings"]] == ["data_syncs.members", None]
    assert "notify lists 1 address" in data["warnings"][0]["message"]


def test_a_dependency_already_in_place_is_listed_but_has_no_change(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    syncs = sandbox.manifests / "data_syncs.yaml"
    syncs.write_text(syncs.read_text().replace(
        "Members get the tag", "Members get the tag (reviewed)", 1))
    data = _plan(sandbox, "data_syncs.members")
    assert data["target_dependencies"] == MEMBERS_NEEDS
    assert [(c["action"], c["address"]) for c in data["changes"]] == [
        ("update", "data_syncs.members")]


def test_an_untargeted_plan_has_no_warning(sandbox: Sandbox) -> None:
    plan = sandbox.run("plan")
    assert "Resource targeting" not in plan.out
    assert _plan(sandbox)["target_dependencies"] == []
