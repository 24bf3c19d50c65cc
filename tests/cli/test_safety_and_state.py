"""Safety thresholds, prevent_destroy, the state lock and the state commands."""

from __future__ import annotations

import json

from engine.state import open_state
from tests.cli.conftest import Sandbox


def _keep_only(sandbox: Sandbox, tags_yaml: str) -> None:
    (sandbox.manifests / "tags.yaml").write_text(tags_yaml)


def test_too_many_deletes_need_force(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    for path in sandbox.manifests.glob("*.yaml"):
        if path.name != "callboard.yaml":
            path.unlink()
    _keep_only(sandbox, "tags:\n  newsletter:\n    name: Newsletter\n"
                        "    description: Monthly newsletter readers\n")
    plan = sandbox.run("plan")
    assert "Needs --force: too many deletes and replaces: 95.00% is over 30.00% (19/20)" in plan.out
    refused = sandbox.run("apply", "--auto-approve")
    assert refused.code == 1 and "--force" in refused.err
    assert len(sandbox.run("state", "list").out.splitlines()) == 20
    forced = sandbox.run("apply", "--auto-approve", "--force")
    assert forced.code == 0
    assert sandbox.run("state", "list").out.split("\t")[0] == "tags.newsletter"
    tags = {t["tag"] for t in sandbox.api("GET", "/api/3/tags?limit=100").json()["tags"]}
    assert "Member - Active" not in tags and "Newsletter" in tags


def test_prevent_destroy_refuses_a_delete(sandbox: Sandbox) -> None:
    text = (sandbox.manifests / "tags.yaml").read_text()
    text = text.replace("    name: Feedback - Requested\n",
                        "    name: Feedback - Requested\n    lifecycle: {prevent_destroy: true}\n")
    (sandbox.manifests / "tags.yaml").write_text(text)
    assert sandbox.run("apply", "--auto-approve").code == 0
    (sandbox.manifests / "tags.yaml").write_text(text.split("  feedback-requested:")[0])
    result = sandbox.run("apply", "--auto-approve")
    assert result.code == 1
    assert "tags.feedback-requested has lifecycle.prevent_destroy" in result.err
    assert "Feedback - Requested" in {t["tag"] for t in
                                      sandbox.api("GET", "/api/3/tags?limit=100").json()["tags"]}


def test_second_writer_gets_the_holder(sandbox: Sandbox) -> None:
    store = open_state(".callboard/sandbox/state.db")
    store.acquire_lock("alice@ci-runner pid 42", "apply")
    try:
        result = sandbox.run("apply", "--auto-approve")
        assert result.code == 1
        assert "locked: held by alice@ci-runner pid 42 (command: apply) since" in result.err
    finally:
        store.close()
    unlocked = sandbox.run("state", "unlock", "--force")
    assert "alice@ci-runner pid 42" in unlocked.out
    assert sandbox.run("apply", "--auto-approve").code == 0


def test_state_commands(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    listed = sandbox.run("state", "list").out.splitlines()
    assert len(listed) == 20 and listed[0].startswith("activity_types.pro2-feedback\t")
    shown = json.loads(sandbox.run("state", "show", "tags.members-active").out)
    assert shown["fields"]["name"] == "Member - Active"

    # rename in the manifest, then move state: no change planned
    text = (sandbox.manifests / "tags.yaml").read_text()
    (sandbox.manifests / "tags.yaml").write_text(text.replace("  feedback-requested:",
                                                              "  feedback:"))
    assert sandbox.run("state", "mv", "tags.feedback-requested", "tags.feedback").code == 0
    assert sandbox.run("plan", "--detailed-exitcode").code == 0

    assert sandbox.run("state", "rm", "tags.feedback").code == 0
    readopt = json.loads(sandbox.run("plan", "--format", "json").out)["changes"]
    assert [(c["action"], c["address"]) for c in readopt] == [("adopt", "tags.feedback")]
    missing = sandbox.run("state", "show", "tags.nope")
    assert missing.code == 1 and "not in state" in missing.err


def test_schema_describes_every_kind(sandbox: Sandbox) -> None:
    schema = json.loads(sandbox.run("schema").out)
    assert set(schema["properties"]) >= {"tags", "custom_fields"}
    tag = schema["properties"]["tags"]["additionalProperties"]
    assert tag["additionalProperties"] is False and "description" in tag["properties"]


def test_a_small_project_deletes_without_force(sandbox: Sandbox) -> None:
    """Below safety.min_managed (10) the delete fraction is not checked: 1 of 3 is fine."""
    for path in sandbox.manifests.glob("*.yaml"):
        if path.name != "callboard.yaml":
            path.unlink()
    three = "tags:\n  a: {name: Tag A}\n  b: {name: Tag B}\n  c: {name: Tag C}\n"
    _keep_only(sandbox, three)
    assert sandbox.run("apply", "--auto-approve").code == 0
    _keep_only(sandbox, three.replace("  c: {name: Tag C}\n", ""))
    assert "Needs --force" not in sandbox.run("plan").out
    assert sandbox.run("apply", "--auto-approve").code == 0
    assert [line.split("\t")[0] for line in sandbox.run("state", "list").out.splitlines()] == [
        "tags.a", "tags.b"]
    (sandbox.manifests / "callboard.yaml").write_text("safety: {min_managed: 2}\n")
    _keep_only(sandbox, "tags:\n  a: {name: Tag A}\n")
    plan = sandbox.run("plan")
    assert "Needs --force: too many deletes and replaces: 50.00% is over 30.00% (1/2)" in plan.out
    # the threshold is a setting too: half of them may go at 0.5
    (sandbox.manifests / "callboard.yaml").write_text(
        "safety: {min_managed: 2, max_delete_fraction: 0.5}\n")
    assert "Needs --force" not in sandbox.run("plan").out
