"""The GitHub Actions recipes' own steps, in the order a team's pipelines run them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.pipelines.conftest import PASSWORD, TOKEN, Runner

MARKER = "<!-- callboard-plan -->"


def _set_description(root: Path, old: str, new: str) -> None:
    tags = root / "manifests" / "tags.yaml"
    tags.write_text(tags.read_text().replace(old, new))


def test_pull_request_merge_nightly_and_cron(runner: Runner) -> None:
    # pull request: validate, plan posted as the marked comment, plan saved
    assert runner.step("callboard-plan.yml", "validate").code == 0
    plan = runner.step("callboard-plan.yml", "plan")
    assert plan.code == 0, plan.err
    assert (runner.root / "plan.md").read_text().startswith(MARKER)
    assert json.loads((runner.root / "plan.cbplan").read_text())["changes"]

    # merge: the saved plan is applied exactly, no re-plan
    applied = runner.step("callboard-apply.yml", "apply")
    assert applied.code == 0, applied.out + applied.err
    assert applied.outputs["replanned"] == "false"
    assert "Apply complete" in applied.out
    assert runner.callboard("plan", "--detailed-exitcode").returncode == 0

    # nightly drift: clean, then drift after an edit by hand (the step passes, and says so)
    clean = runner.step("callboard-drift.yml", "drift")
    assert (clean.code, clean.outputs["drift"]) == (0, "false"), clean.out + clean.err
    runner.emulator.edit_tag("Newsletter", "Edited by hand in Prospect2")
    drifted = runner.step("callboard-drift.yml", "drift")
    assert (drifted.code, drifted.outputs["code"], drifted.outputs["drift"]) == (0, "2", "true")
    assert "tags.newsletter" in (runner.root / "drift.md").read_text()

    # every five minutes
    synced = runner.step("callboard-sync.yml", "sync")
    assert synced.code == 0, synced.out + synced.err

    # JSON logs from every step, and never a secret in them or in the files left behind
    everything = plan.err + applied.out + applied.err + drifted.err + synced.err + "".join(
        p.read_text() for p in runner.root.glob("*.md")) + (runner.root / "plan.cbplan").read_text()
    assert TOKEN not in everything and PASSWORD not in everything


def test_stale_saved_plan_is_replanned_and_applied(runner: Runner) -> None:
    assert runner.step("callboard-plan.yml", "plan").code == 0
    assert runner.step("callboard-apply.yml", "apply").code == 0

    # a pull request changes a tag; while it waits for review, someone edits that tag by hand
    _set_description(runner.root, "Monthly newsletter readers", "Monthly newsletter (PR)")
    assert runner.step("callboard-plan.yml", "plan").code == 0
    runner.emulator.edit_tag("Newsletter", "Edited by hand while the PR was open")

    merged = runner.step("callboard-apply.yml", "apply")
    assert merged.code == 0, merged.out + merged.err
    assert merged.outputs["replanned"] == "true"
    assert "changed since the plan was made" in merged.out
    assert "The saved plan is stale" in merged.out
    assert (runner.root / "plan.md").read_text().startswith(MARKER)
    assert runner.callboard("plan", "--detailed-exitcode").returncode == 0
    tags = runner.emulator.prospect2("GET", "/tags", params={"search": "Newsletter"}).json()
    [tag] = [t for t in tags["tags"] if t["tag"] == "Newsletter"]
    assert tag["description"] == "Monthly newsletter (PR)"
