"""A Data Sync's key renamed without ``moved:``: its NAME follows the key, so the natural-key
rename guard cannot see it, and the plan would delete the old sync and create a new one from
an empty baseline (everyone imported again; people who leave before its first run keep the tag
for good). The plan warns on the pair, with the ``moved`` entry to add; with it, the sync keeps
its baseline. A real replacement (another list) is not warned about."""

from __future__ import annotations

import json

from tests.cli.conftest import Sandbox

OLD, NEW = "data_syncs.lapsed-donors", "data_syncs.renewals"
ENTRY = f"moved: [{{from: {OLD}, to: {NEW}}}]"
MOVED = f"moved:\n  - {{from: {OLD}, to: {NEW}}}\n"


def _rename(sandbox: Sandbox, *, list_name: str = "Lapsed Donors") -> None:
    syncs = sandbox.manifests / "data_syncs.yaml"
    text = syncs.read_text().replace("\n  lapsed-donors:\n    list: Lapsed Donors\n",
                                     f"\n  renewals:\n    list: {list_name}\n")
    assert "renewals:" in text
    syncs.write_text(text)


def test_a_sync_renamed_without_moved_is_warned_with_the_entry_to_add(
        sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    assert sandbox.run("sync", "run", "lapsed-donors").code == 0
    _rename(sandbox)

    planned = sandbox.run("plan")

    assert planned.code == 0, planned.err  # a delete and a create, not refused
    assert f"- {OLD}" in planned.out and f"+ {NEW}" in planned.out
    warning = (f"looks like {OLD} renamed (same list 'Lapsed Donors' and tag "
               "'Donor - Lapsed'): its sync baseline is lost on delete; if it is a rename, "
               f"add to the manifests: {ENTRY}")
    assert f"Warning: {NEW}: {warning} [manifests/data_syncs.yaml:30]" in planned.out
    markdown = sandbox.run("plan", "--format", "markdown")
    assert warning in markdown.out, markdown.out
    document = json.loads(sandbox.run("plan", "--format", "json").out)
    assert [w for w in document["warnings"] if w["address"] == NEW] == [
        {"message": warning, "address": NEW, "origin": "manifests/data_syncs.yaml:30"}]

    (sandbox.manifests / "moved.yaml").write_text(MOVED)
    moved = sandbox.run("plan")
    assert moved.code == 0, moved.err
    assert f"{OLD} -> {NEW} (moved)" in moved.out
    assert "looks like" not in moved.out and f"- {OLD}" not in moved.out
    assert sandbox.run("apply", "--auto-approve").code == 0
    again = sandbox.run("sync", "run", "renewals")  # the same baseline: nothing new to add
    assert again.code == 0, again.err
    assert f"{NEW}: succeeded: 0 added" in again.out, again.out


def test_a_real_replacement_on_another_list_is_not_warned(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    _rename(sandbox, list_name="All Constituents")

    planned = sandbox.run("plan")

    assert planned.code == 0, planned.err
    assert f"- {OLD}" in planned.out and f"+ {NEW}" in planned.out
    assert "looks like" not in planned.out


def test_a_targeted_plan_warns_when_it_covers_either_half_of_the_pair(
        sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    _rename(sandbox)
    for target in (NEW, OLD):
        planned = sandbox.run("plan", "--target", target)
        assert planned.code == 0, planned.err
        assert ENTRY in planned.out, (target, planned.out)
    elsewhere = sandbox.run("plan", "--target", "data_syncs.members")
    assert elsewhere.code == 0, elsewhere.err
    assert "looks like" not in elsewhere.out
