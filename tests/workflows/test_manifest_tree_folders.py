"""Manifests kept in folders, and settings kept at the repository's root, as teams lay them out.

A folder Callboard did not read would make its resources look deleted, so every folder is read
(and one that cannot be is an error), and a saved plan knows the files of every folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.cli.conftest import Sandbox


def _applied(sandbox: Sandbox) -> None:
    result = sandbox.run("apply", "--auto-approve")
    assert result.code == 0, result.err


def _into_folders(sandbox: Sandbox) -> None:
    """tags and CSI webhooks into two levels of folders; the rest stays at the top."""
    (sandbox.manifests / "prospect2").mkdir()
    (sandbox.manifests / "tessitura" / "webhooks").mkdir(parents=True)
    shutil.move(sandbox.manifests / "tags.yaml", sandbox.manifests / "prospect2" / "tags.yaml")
    shutil.move(sandbox.manifests / "csi_webhooks.yaml",
                sandbox.manifests / "tessitura" / "webhooks" / "csi_webhooks.yaml")


def test_moving_manifests_into_folders_changes_nothing(sandbox: Sandbox) -> None:
    _applied(sandbox)
    managed = sandbox.run("state", "list").out
    _into_folders(sandbox)
    plan = sandbox.run("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.out + plan.err
    assert "No changes." in plan.out
    assert sandbox.run("state", "list").out == managed


def test_validate_counts_the_files_in_folders(sandbox: Sandbox) -> None:
    before = sandbox.run("validate")
    _into_folders(sandbox)
    after = sandbox.run("validate")
    assert after.code == 0, after.err
    assert after.out == before.out
    assert "resources in 6 files are valid" in after.out


def test_an_error_in_a_folder_names_its_path(sandbox: Sandbox) -> None:
    _into_folders(sandbox)
    path = sandbox.manifests / "prospect2" / "tags.yaml"
    path.write_text(path.read_text().replace("name: Newsletter", "nmae: Newsletter", 1))
    result = sandbox.run("validate")
    assert result.code == 1
    assert "manifests/prospect2/tags.yaml:" in result.err
    assert "unknown field 'nmae'" in result.err


def test_a_folder_that_cannot_be_read_is_an_error_never_deletions(sandbox: Sandbox) -> None:
    _applied(sandbox)
    _into_folders(sandbox)
    shutil.rmtree(sandbox.manifests / "prospect2")
    (sandbox.manifests / "prospect2").symlink_to(sandbox.root / "moved-away")
    result = sandbox.run("plan")
    assert result.code == 1
    assert "manifests/prospect2: this link in the manifest folder points at nothing" in result.err
    assert "destroy" not in result.out


def test_hidden_folders_are_not_manifests(sandbox: Sandbox) -> None:
    _applied(sandbox)
    workflows = sandbox.manifests / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "plan.yml").write_text("on: [pull_request]\njobs: {}\n")
    assert sandbox.run("plan", "--detailed-exitcode").code == 0


def test_a_saved_plan_knows_the_files_in_folders(sandbox: Sandbox) -> None:
    _into_folders(sandbox)
    assert sandbox.run("plan", "--out", "reviewed.cbplan").code == 0
    path = sandbox.manifests / "tessitura" / "webhooks" / "csi_webhooks.yaml"
    path.write_text(path.read_text() + "\n# a comment is a change of the reviewed files\n")
    refused = sandbox.run("apply", "reviewed.cbplan")
    assert refused.code == 3, refused.err
    assert sandbox.run("state", "list").out == ""


def test_settings_at_the_repository_root_are_read(sandbox: Sandbox) -> None:
    """The example's drift.ignore hides the demo organization's hand-made tags from drift."""
    _applied(sandbox)
    shutil.move(sandbox.manifests / "callboard.yaml", sandbox.root / "callboard.yaml")
    assert sandbox.run("drift").code == 0
    (sandbox.root / "callboard.yaml").unlink()
    assert sandbox.run("drift").code == 2


def test_two_settings_files_are_an_error(sandbox: Sandbox) -> None:
    shutil.copy(sandbox.manifests / "callboard.yaml", sandbox.root / "callboard.yaml")
    result = sandbox.run("plan")
    assert result.code == 1
    assert ("there are two settings files, manifests/callboard.yaml and callboard.yaml: keep one"
            in result.err)


def test_a_saved_plan_knows_the_settings_at_the_root(sandbox: Sandbox) -> None:
    shutil.move(sandbox.manifests / "callboard.yaml", sandbox.root / "callboard.yaml")
    assert sandbox.run("plan", "--out", "reviewed.cbplan").code == 0
    settings = Path(sandbox.root / "callboard.yaml")
    settings.write_text(settings.read_text().replace("max_delete_fraction: 0.3",
                                                     "max_delete_fraction: 0.9"))
    assert sandbox.run("apply", "reviewed.cbplan").code == 3
