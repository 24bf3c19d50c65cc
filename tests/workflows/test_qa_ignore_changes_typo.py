"""A misspelt field in `lifecycle.ignore_changes` protected nothing: validate said the manifests
were valid and the plan overwrote the very field the user meant to leave alone. It is refused
like any other unknown field: file, line, field and the name meant, before anything changes."""

from __future__ import annotations

import json

from tests.cli.conftest import Sandbox

LIFECYCLE = ("    description: Monthly newsletter readers\n"
             "    lifecycle:\n"
             "      ignore_changes:\n"
             "        - descripton\n")
EXPECTED = ("Error: manifests/tags.yaml:8: tags.newsletter.lifecycle.ignore_changes: "
            "ignore_changes names no field 'descripton' (did you mean 'description'?); fields: "
            "name, description, contact_point_purpose")


def declare(sandbox: Sandbox, lifecycle: str) -> None:
    tags = sandbox.manifests / "tags.yaml"
    text = tags.read_text()
    assert "    description: Monthly newsletter readers\n" in text
    tags.write_text(text.replace("    description: Monthly newsletter readers\n", lifecycle, 1))


def test_a_misspelt_ignored_field_is_refused_before_anything_changes(sandbox: Sandbox) -> None:
    declare(sandbox, LIFECYCLE)
    before = sandbox.api("GET", "/api/3/tags/1").json()["tag"]["description"]

    for command in (("validate",), ("plan",), ("apply", "--auto-approve")):
        result = sandbox.run(*command)
        assert result.code == 1, command
        assert result.err.strip() == EXPECTED
    assert sandbox.api("GET", "/api/3/tags/1").json()["tag"]["description"] == before
    assert sandbox.run("state", "list").out == ""

    report = json.loads(sandbox.run("validate", "--format", "json").out)
    assert report["valid"] is False
    assert [(e["file"], e["line"], e["field"]) for e in report["errors"]] == [
        ("manifests/tags.yaml", 8, "tags.newsletter.lifecycle.ignore_changes")]


def test_the_field_spelt_right_leaves_the_live_value_alone(sandbox: Sandbox) -> None:
    declare(sandbox, LIFECYCLE.replace("descripton", "description"))
    before = sandbox.api("GET", "/api/3/tags/1").json()["tag"]["description"]

    assert sandbox.run("apply", "--auto-approve").code == 0
    assert sandbox.api("GET", "/api/3/tags/1").json()["tag"]["description"] == before
    assert sandbox.run("plan", "--detailed-exitcode").code == 0
