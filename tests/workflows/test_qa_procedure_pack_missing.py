"""The Tessitura procedure pack missing, or older than Callboard needs: every command that would
write through it says so once, naming what to install, before anything changes (plan and apply
of a T_DEFAULTS change, sync run and preview, writeback run), instead of failing half-way on
'Local procedure ... is not registered'."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Sandbox
from tests.workflows.test_qa_inactive_references import tessitura

MISSING = ("the Callboard procedure pack is not installed in Tessitura (LP_CALLBOARD_VERSION is "
           "not registered): install providers/tessitura/sql/ as INSTALL.md says; nothing was "
           "changed")
OLD = ("the Callboard procedure pack in Tessitura is version 1.0.0, older than the 1.1.0 this "
       "Callboard needs: install providers/tessitura/sql/ again as INSTALL.md says; nothing was "
       "changed")


def _track_changes(sandbox: Sandbox) -> str:
    return next(row["Value"] for row in tessitura(sandbox, "GET", "/ReferenceData/SystemDefaults")
                if row["FieldName"] == "P2DSTrackChanges")


@pytest.mark.parametrize(("version", "said"), [(None, MISSING), ("1.0.0", OLD)])
def test_a_plan_that_sets_a_default_is_refused_before_the_first_change(
        sandbox: Sandbox, version: str | None, said: str) -> None:
    sandbox.api("POST", "/_emulator/tessitura/pack", {"version": version})
    planned = sandbox.run("plan", "--out", "p.cbplan")
    assert planned.code == 1, planned.out
    assert planned.err.strip() == f"Error: tessitura_defaults.P2DSTrackChanges: {said}"
    applied = sandbox.run("apply", "--auto-approve")
    assert applied.code == 1
    assert applied.err.strip() == planned.err.strip()
    assert sandbox.run("state", "list").out.strip() == ""  # not even the Prospect2 tags
    assert sandbox.api("GET", "/api/3/tags?search=Member - Active").json()["tags"] == []
    assert _track_changes(sandbox) == "NO"


def test_a_saved_plan_is_refused_when_the_pack_went_missing_since(sandbox: Sandbox) -> None:
    assert sandbox.run("plan", "--out", "p.cbplan").code == 0
    sandbox.api("POST", "/_emulator/tessitura/pack", {"version": None})
    applied = sandbox.run("apply", "p.cbplan")
    assert applied.code == 1, applied.out
    assert applied.err.strip() == f"Error: tessitura_defaults.P2DSTrackChanges: {MISSING}"
    assert sandbox.run("state", "list").out.strip() == ""
    assert _track_changes(sandbox) == "NO"


def test_a_plan_without_defaults_to_write_needs_no_pack(sandbox: Sandbox) -> None:
    path = sandbox.manifests / "tessitura.yaml"
    path.write_text(path.read_text().replace('{value: "YES"}', '{value: "NO"}'))
    sandbox.api("POST", "/_emulator/tessitura/pack", {"version": None})
    assert sandbox.run("apply", "--auto-approve").code == 0


def test_sync_and_writeback_runs_say_what_to_install_before_any_write(
        sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    sandbox.api("POST", "/_emulator/tessitura/pack", {"version": None})
    tagged = sandbox.api("GET", "/api/3/contactTags?limit=1").json()["meta"]["total"]
    for args, first in ((("sync", "run", "members"), "members"),
                        (("sync", "preview", "members"), "members"),
                        (("sync", "run", "--all"), "lapsed-donors")):  # once, for every sync
        result = sandbox.run(*args)
        assert result.code == 1, result.out
        assert result.err.strip() == f"Error: data_syncs.{first}: {MISSING}", args
    assert sandbox.api("GET", "/api/3/contactTags?limit=1").json()["meta"]["total"] == tagged
    written = sandbox.run("writeback", "run")
    assert written.code == 1, written.out
    assert written.err.strip() == f"Error: writeback run: {MISSING}"
    sandbox.api("POST", "/_emulator/tessitura/pack", {"version": "1.1.0"})
    again = sandbox.run("writeback", "run")  # nothing was recorded as written back
    assert again.code == 0 and "60 promotions inserted, 0 already present" in again.out


def test_a_plan_setting_two_defaults_names_the_first_and_counts_the_rest(
        sandbox: Sandbox) -> None:
    path = sandbox.manifests / "tessitura.yaml"
    path.write_text(path.read_text() + '  ORGANIZATION_NAME: {value: "Lakeside Arts", '
                    "parent_table: Global}\n")
    sandbox.api("POST", "/_emulator/tessitura/pack", {"version": None})
    planned = sandbox.run("plan")
    assert planned.code == 1, planned.out
    assert planned.err.strip() == (
        f"Error: tessitura_defaults.ORGANIZATION_NAME and 1 more: {MISSING}")


@pytest.mark.parametrize("how", ["removed", "moved"])
def test_a_plan_that_writes_no_default_needs_no_pack(sandbox: Sandbox, how: str) -> None:
    """Stopping managing a T_DEFAULTS row (it stays as it is) or moving its state entry to
    another NAME writes nothing through the pack."""
    path = sandbox.manifests / "tessitura.yaml"
    declared = path.read_text()
    if how == "moved":  # first declared under Tessitura's spelling in another case
        path.write_text(declared.replace("P2DSTrackChanges:", "p2dstrackchanges:"))
    assert sandbox.run("apply", "--auto-approve").code == 0
    sandbox.api("POST", "/_emulator/tessitura/pack", {"version": None})
    if how == "removed":
        path.write_text(declared[:declared.index("tessitura_defaults:")])
    else:
        path.write_text(declared)
        (sandbox.manifests / "moves.yaml").write_text(
            "moved:\n  - {from: tessitura_defaults.p2dstrackchanges, "
            "to: tessitura_defaults.P2DSTrackChanges}\n")

    applied = sandbox.run("apply", "--auto-approve")

    assert applied.code == 0, applied.err
    assert "0 to add, 0 to change" in applied.out
    listed = sandbox.run("state", "list").out
    assert ("tessitura_defaults.P2DSTrackChanges" in listed) == (how == "moved")
    assert _track_changes(sandbox) == "YES"  # as the first apply set it
