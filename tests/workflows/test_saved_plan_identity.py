"""A saved plan is applied only as reviewed: same file, same manifests, same Callboard (spec §3).

Each refusal exits 3 (scripts tell it from an error by the code, never by the text) and changes
nothing in the services or in state.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path

from engine import __version__
from engine.manifests.files import manifest_digest
from tests.cli.conftest import Sandbox


def _live_tags(sandbox: Sandbox) -> set[str]:
    return {t["tag"] for t in sandbox.api("GET", "/api/3/tags?limit=100").json()["tags"]}


def _saved_plan(sandbox: Sandbox, *extra: str) -> tuple[Path, str, str]:
    result = sandbox.run("plan", "--out", "reviewed.cbplan", *extra)
    assert result.code == 0, result.err
    path = sandbox.root / "reviewed.cbplan"
    return path, hashlib.sha256(path.read_bytes()).hexdigest(), result.err


def test_plan_prints_the_file_sha256_and_the_apply_command(sandbox: Sandbox) -> None:
    path, sha, err = _saved_plan(sandbox)
    assert f"Saved the plan to reviewed.cbplan (SHA-256 {sha})" in err
    # planned in the sandbox, so the command to copy applies it there too
    assert f"callboard --sandbox apply reviewed.cbplan --expect-sha256 {sha}" in err


def test_markdown_of_a_saved_plan_names_its_sha256(sandbox: Sandbox) -> None:
    result = sandbox.run("plan", "--out", "reviewed.cbplan", "--format", "markdown")
    sha = hashlib.sha256((sandbox.root / "reviewed.cbplan").read_bytes()).hexdigest()
    assert f"<!-- callboard-plan-sha256: {sha} -->" in result.out
    assert f"Plan file SHA-256: `{sha}`" in result.out
    unsaved = sandbox.run("plan", "--format", "markdown")
    assert "SHA-256" not in unsaved.out


def test_expect_sha256_refuses_any_other_file(sandbox: Sandbox) -> None:
    path, sha, _ = _saved_plan(sandbox)
    before = _live_tags(sandbox)
    refused = sandbox.run("apply", str(path), "--expect-sha256", "0" * 64)
    assert refused.code == 3
    assert f"has SHA-256 {sha}, not the expected {'0' * 64}" in refused.err
    assert _live_tags(sandbox) == before
    assert sandbox.run("state", "list").out == ""
    applied = sandbox.run("apply", str(path), "--expect-sha256", sha.upper())
    assert applied.code == 0, applied.err
    assert "Member - Active" in _live_tags(sandbox)


def test_a_tampered_plan_file_is_refused_by_its_digest(sandbox: Sandbox) -> None:
    path, sha, _ = _saved_plan(sandbox)
    data = json.loads(path.read_text())
    data["changes"] = [c for c in data["changes"] if c["kind"] == "tags"]
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    assert sandbox.run("apply", str(path), "--expect-sha256", sha).code == 3
    assert sandbox.run("state", "list").out == ""


def test_a_plan_made_from_other_manifests_is_refused(sandbox: Sandbox) -> None:
    """PR3's plan must not apply after PR2 merged: PR2's change would silently be dropped."""
    path, _, _ = _saved_plan(sandbox)
    tags = sandbox.manifests / "tags.yaml"
    tags.write_text(tags.read_text() + "  merged-meanwhile:\n    name: Merged Meanwhile\n")
    before = _live_tags(sandbox)
    refused = sandbox.run("apply", str(path))
    assert refused.code == 3
    planned = json.loads(path.read_text())
    assert Path(planned["manifests"]).resolve() == sandbox.manifests.resolve()
    made = datetime.fromisoformat(planned["created_at"])
    assert made.utcoffset() == timedelta(0)  # in UTC, whatever the machine's zone
    assert (f"plan {planned['id']} was made from other manifests than the ones in "
            f"{planned['manifests']} now (digest {planned['manifest_digest'][:12]}…, the working "
            f"tree's is {manifest_digest(sandbox.manifests)[:12]}…): the manifests or "
            "callboard.yaml changed since it was planned; make a new plan") in refused.err
    assert _live_tags(sandbox) == before and sandbox.run("state", "list").out == ""


def test_a_plan_file_without_a_manifest_digest_is_refused(sandbox: Sandbox) -> None:
    path, _, _ = _saved_plan(sandbox)
    data = json.loads(path.read_text())
    data["manifest_digest"] = ""
    path.write_text(json.dumps(data))
    refused = sandbox.run("apply", str(path))
    assert refused.code == 3 and "(digest none recorded, the working tree's is" in refused.err
    assert sandbox.run("state", "list").out == ""


def test_a_plan_file_naming_no_manifest_directory_is_refused_in_plain_words(
        sandbox: Sandbox) -> None:
    """A plan file that records neither its manifests' directory nor their digest (written
    by hand or by another tool): the refusal still says which manifests it means."""
    path, _, _ = _saved_plan(sandbox)
    data = json.loads(path.read_text())
    del data["manifests"]
    data["manifest_digest"] = ""
    path.write_text(json.dumps(data))
    refused = sandbox.run("apply", str(path))
    assert refused.code == 3
    assert (f"plan {data['id']} was made from other manifests than the ones in the manifest "
            "directory now (digest none recorded, the working tree's is") in refused.err
    assert sandbox.run("state", "list").out == ""

def test_a_saved_plan_applied_again_changes_nothing(sandbox: Sandbox) -> None:
    """A pipeline job re-run after success: the plan was applied completely, so it is not
    refused as stale (its serial is old now) and nothing is written twice."""
    path, _, _ = _saved_plan(sandbox)
    assert sandbox.run("apply", str(path)).code == 0
    state = sandbox.run("state", "list").out
    again = sandbox.run("apply", str(path))
    assert again.code == 0, again.err
    plan_id = json.loads(path.read_text())["id"]
    assert again.out.strip() == f"Nothing to apply: plan {plan_id} was already applied completely."
    assert sandbox.run("state", "list").out == state


def test_settings_are_part_of_the_digest(sandbox: Sandbox) -> None:
    path, _, _ = _saved_plan(sandbox)
    settings = sandbox.manifests / "callboard.yaml"
    settings.write_text(settings.read_text() + "\n# reviewed later\n")
    assert sandbox.run("apply", str(path)).code == 3


def test_the_same_tree_elsewhere_has_the_same_digest(sandbox: Sandbox) -> None:
    """The digest names files by their path inside the tree, so CI's checkout matches."""
    path, _, _ = _saved_plan(sandbox)
    moved = sandbox.root / "checkout" / "manifests"
    moved.parent.mkdir()
    sandbox.manifests.rename(moved)
    applied = sandbox.run("-m", str(moved), "apply", str(path))
    assert applied.code == 0, applied.err


def test_a_plan_from_another_callboard_version_is_refused(sandbox: Sandbox) -> None:
    path, _, _ = _saved_plan(sandbox)
    data = json.loads(path.read_text())
    data["callboard_version"] = "0.0.1"
    path.write_text(json.dumps(data))
    refused = sandbox.run("apply", str(path))
    assert refused.code == 3
    assert (f"was made by Callboard 0.0.1; this is Callboard {__version__}: make a new plan with "
            "this version") in refused.err


def test_a_stale_state_exits_3(sandbox: Sandbox) -> None:
    path, _, _ = _saved_plan(sandbox)
    assert sandbox.run("apply", "--auto-approve", "--target", "tags.newsletter").code == 0
    refused = sandbox.run("apply", str(path))
    assert refused.code == 3 and "plan is stale" in refused.err


def test_expect_sha256_needs_a_plan_file(sandbox: Sandbox) -> None:
    result = sandbox.run("apply", "--auto-approve", "--expect-sha256", "ab" * 32)
    assert result.code == 1 and "give PLANFILE" in result.err
