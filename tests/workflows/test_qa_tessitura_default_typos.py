"""A typo in a T_DEFAULTS entry is refused at plan, changing nothing: a value Prospect2 does not
read as YES or NO would switch seed 003's re-sync off without a word, and a misspelt FieldName
would add a row nobody reads to Tessitura's T_DEFAULTS (rows are never deleted)."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Sandbox
from tests.workflows.test_qa_inactive_references import tessitura


def _track_changes(sandbox: Sandbox) -> list[dict]:
    return [row for row in tessitura(sandbox, "GET", "/ReferenceData/SystemDefaults")
            if row["FieldName"].casefold().startswith("p2dstrack")]


def _write(sandbox: Sandbox, line: str) -> None:
    path = sandbox.manifests / "tessitura.yaml"
    path.write_text(path.read_text().replace('  P2DSTrackChanges: {value: "YES"}', line, 1))


@pytest.mark.parametrize(("value", "hint"), [("YSE", " (did you mean 'YES'?)"), ("Y", ""),
                                             ("true", "")])
def test_a_track_changes_value_other_than_yes_or_no_is_refused(
        sandbox: Sandbox, value: str, hint: str) -> None:
    before = _track_changes(sandbox)
    _write(sandbox, f'  P2DSTrackChanges: {{value: "{value}"}}')
    for command in (("validate", "--online"), ("plan",), ("apply", "--auto-approve")):
        result = sandbox.run(*command)
        assert result.code == 1, result.out
        assert result.err.strip() == (
            "Error: manifests/tessitura.yaml:16: tessitura_defaults.P2DSTrackChanges.value: "
            f"P2DSTrackChanges is YES or NO (seed 003: YES re-syncs members whose audited data "
            f"changed), not {value!r}{hint}")
    assert _track_changes(sandbox) == before
    assert sandbox.run("state", "list").out.strip() == ""


def test_yes_in_lower_case_is_accepted_as_prospect2_reads_it(sandbox: Sandbox) -> None:
    _write(sandbox, '  P2DSTrackChanges: {value: "yes"}')
    assert sandbox.run("plan").code == 0


def test_a_misspelt_field_name_is_refused_naming_the_row_meant(sandbox: Sandbox) -> None:
    before = _track_changes(sandbox)
    _write(sandbox, '  P2DSTrackChange: {value: "YES"}')
    result = sandbox.run("plan")
    assert result.code == 1, result.out
    assert result.err.strip() == (
        "Error: manifests/tessitura.yaml:16: tessitura_defaults.P2DSTrackChange: Tessitura has "
        "no T_DEFAULTS row P2DSTrackChange (did you mean P2DSTrackChanges?); Callboard would "
        "add one that nothing reads, and T_DEFAULTS rows are never deleted: correct the name")
    assert sandbox.run("apply", "--auto-approve").code == 1
    assert _track_changes(sandbox) == before
