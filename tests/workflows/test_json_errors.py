"""A pipeline that asked for ``--format json`` gets JSON even when the command fails.

The error document on stdout carries the error's ``kind`` and exit code, so scripts decide
without parsing text; stderr still has the one-line message for the person reading the log,
and the process exits with the error's code.
"""

from __future__ import annotations

import json

import pytest

from engine.cli.main import main
from tests.cli.conftest import Sandbox


def _break_a_tag(sandbox: Sandbox) -> None:
    tags = sandbox.manifests / "tags.yaml"
    tags.write_text(tags.read_text().replace("name: Newsletter", "nmae: Newsletter", 1))


def test_a_manifest_error_is_a_json_document_listing_each_problem(sandbox: Sandbox,
                                                                 snapshot) -> None:
    _break_a_tag(sandbox)
    result = sandbox.run("plan", "--format", "json")
    assert result.code == 1
    assert json.loads(result.out) == snapshot
    assert result.err.startswith("Error: manifests/tags.yaml:4: tags.newsletter.nmae: unknown")


def test_an_unknown_sync_is_a_json_error(sandbox: Sandbox, snapshot) -> None:
    result = sandbox.run("sync", "preview", "nonesuch", "--format", "json")
    assert result.code == 1
    document = json.loads(result.out)
    assert document["error"]["kind"] == "error"
    assert document == snapshot


def test_a_bad_option_value_is_a_usage_error(sandbox: Sandbox, snapshot) -> None:
    result = sandbox.run("sync", "log", "--format", "json", "--since", "a fortnight")
    assert result.code == 1
    assert json.loads(result.out) == snapshot
    assert "a fortnight" in result.err


def test_a_configuration_error_says_so_at_once(tmp_path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str],
                                               snapshot) -> None:
    """A URL that cannot be right is refused before any request, with the fix."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "tags.yaml").write_text("tags:\n  vip:\n    name: VIP\n")
    monkeypatch.setenv("PROSPECT2_URL", "lakeside.api-us1.com")
    monkeypatch.setenv("PROSPECT2_API_TOKEN", "token")
    monkeypatch.delenv("CALLBOARD_STATE", raising=False)
    code = main(["--no-color", "drift", "--format", "json"])
    captured = capsys.readouterr()
    assert code == 1
    assert json.loads(captured.out) == snapshot
    assert "e.g. https://lakeside.api-us1.com/api/3" in captured.err


def test_text_formats_print_no_json(sandbox: Sandbox) -> None:
    _break_a_tag(sandbox)
    result = sandbox.run("plan")
    assert result.code == 1
    assert result.out == ""
    assert result.err.startswith("Error: ")


def test_validate_json_reports_manifest_problems_in_its_own_document(sandbox: Sandbox) -> None:
    """validate's answer is a validation result, valid or not; it is not an error document."""
    _break_a_tag(sandbox)
    result = sandbox.run("validate", "--format", "json")
    assert result.code == 1
    document = json.loads(result.out)
    assert document["valid"] is False and "error" not in document


def test_validate_json_counts_what_it_read_around_a_yaml_error(sandbox: Sandbox) -> None:
    """A YAML syntax error in one file: the document still counts every file it read and
    the resources of the others (it said files: 0, resources: 0)."""
    good = json.loads(sandbox.run("validate", "--format", "json").out)
    (sandbox.manifests / "broken.yaml").write_text("tags:\n  x:\n    name: [A\n")
    result = sandbox.run("validate", "--format", "json")
    assert result.code == 1
    document = json.loads(result.out)
    assert document["files"] == good["files"] + 1 > 1
    assert document["resources"] == good["resources"] > 0
    assert [(e["file"], e["line"]) for e in document["errors"]] == [("manifests/broken.yaml", 3)]
