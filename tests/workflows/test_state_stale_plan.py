"""Every change to state moves its serial, so a plan saved before it is refused (exit 3), naming
the change, and nothing live or in state is touched (issue 9: ``plan --out`` destroying
``tags.feedback-requested``, then ``state mv`` of it, then ``apply PLAN`` deleted the tag that was
now managed under its new name)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from engine.state import open_state
from engine.state.base import ResourceRecord
from tests.cli.conftest import Sandbox
from tests.workflows.state_support import live_tags

STATE = ".callboard/sandbox/state.db"


def _mv(sandbox: Sandbox) -> str:
    assert sandbox.run("state", "mv", "tags.feedback-requested", "tags.keepme").code == 0
    return "state mv tags.feedback-requested tags.keepme"


def _rm(sandbox: Sandbox) -> str:
    assert sandbox.run("state", "rm", "tags.feedback-requested").code == 0
    return "state rm tags.feedback-requested"


def _import(sandbox: Sandbox) -> str:
    tag_id = sandbox.tag_id("Newsletter")
    assert sandbox.run("import", "tags.newsletter", tag_id).code == 0
    return f"import tags.newsletter {tag_id}"


def _unlock(sandbox: Sandbox) -> str:
    store = open_state(STATE)
    store.acquire_lock("alice@elsewhere pid 42", "apply")  # a runner that died elsewhere
    store.close()
    unlocked = sandbox.run("state", "unlock", "--force")
    assert unlocked.code == 0, unlocked.err
    return "state unlock (released the lock held by alice@elsewhere pid 42"


def _copy_back(sandbox: Sandbox) -> str:
    """Restoring a copy of the same state (same lineage) must not let an old plan through."""
    copied = sandbox.run("state", "copy", "before.db", STATE, "--force")
    assert copied.code == 0, copied.err
    return "state copy from before.db"


@pytest.mark.parametrize("change", [_mv, _rm, _import, _unlock, _copy_back],
                         ids=["mv", "rm", "import", "unlock", "copy"])
def test_a_plan_saved_before_a_state_change_is_refused(
        sandbox: Sandbox, change: Callable[[Sandbox], str]) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    assert sandbox.run("state", "rm", "tags.newsletter").code == 0  # to import it later
    assert sandbox.run("state", "copy", STATE, "before.db").code == 0
    tags = sandbox.manifests / "tags.yaml"
    tags.write_text(tags.read_text().split("  feedback-requested:")[0])
    saved = sandbox.run("plan", "--out", "destroy.cbplan", "--format", "json")
    planned = {(c["action"], c["address"]) for c in json.loads(saved.out)["changes"]}
    assert ("delete", "tags.feedback-requested") in planned

    what = change(sandbox)
    state_before = sandbox.run("state", "list").out
    refused = sandbox.run("apply", "destroy.cbplan")

    assert refused.code == 3, refused.err
    assert "plan is stale: it was made at state serial" in refused.err
    assert f"after '{what}" in refused.err and "make a new plan" in refused.err
    assert "Feedback - Requested" in live_tags(sandbox)  # nothing live was deleted
    assert sandbox.run("state", "list").out == state_before


def test_a_refusal_counts_the_changes_since_the_plan(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    tags = sandbox.manifests / "tags.yaml"
    tags.write_text(tags.read_text().split("  feedback-requested:")[0])
    saved = sandbox.run("plan", "--out", "destroy.cbplan", "--format", "json")
    serial = json.loads(saved.out)["state_serial"]
    assert serial >= 1
    _rm(sandbox)
    assert sandbox.run("state", "rm", "tags.newsletter").code == 0
    refused = sandbox.run("apply", "destroy.cbplan")
    assert refused.code == 3
    assert (f"plan is stale: it was made at state serial {serial}, and the state is now at "
            f"serial {serial + 2} after 2 changes, the last 'state rm tags.newsletter': make a "
            "new plan") in refused.err

def test_a_plan_made_before_any_state_existed_applies_once(sandbox: Sandbox) -> None:
    """``plan --out`` in a fresh directory reads an empty state without creating one; the
    saved plan applies to the state apply then creates, and only while nobody changed it."""
    assert sandbox.run("plan", "--out", "first.cbplan").code == 0
    assert not (sandbox.root / STATE).exists()
    applied = sandbox.run("apply", "first.cbplan")
    assert applied.code == 0, applied.err
    assert len(sandbox.run("state", "list").out.splitlines()) == 20
    again = sandbox.run("apply", "first.cbplan")
    assert again.code == 0 and "already applied completely" in again.out


def test_a_plan_saved_before_another_state_was_copied_in_is_refused(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    other = open_state("other.db")  # another team's state: another lineage
    other.put(ResourceRecord("tags.theirs", "tags", "theirs", "999", {}))
    other.close()
    tags = sandbox.manifests / "tags.yaml"
    tags.write_text(tags.read_text().split("  feedback-requested:")[0])
    assert sandbox.run("plan", "--out", "destroy.cbplan").code == 0
    assert sandbox.run("state", "copy", "other.db", STATE, "--force").code == 0
    refused = sandbox.run("apply", "destroy.cbplan")
    assert refused.code == 3
    assert "was made against another state" in refused.err
    assert "after 'state copy from other.db (replaced serial 1 of lineage" in refused.err
    assert "Feedback - Requested" in live_tags(sandbox)
