"""Every JSON output a pipeline reads matches the JSON Schema Callboard ships for it.

The outputs are real: the sandbox organization planned (with estimates and a delete's impact),
applied, drifted, synced and validated through the CLI, then checked against the schema that
``callboard schema --output NAME`` prints.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from engine.artifacts import PUBLISHED, generate_schema, schema_text
from tests.cli.conftest import Sandbox


def _schema(sandbox: Sandbox, name: str) -> dict[str, Any]:
    printed = sandbox.run("schema", "--output", name)
    assert printed.code == 0, printed.err
    return json.loads(printed.out)


def _check(sandbox: Sandbox, name: str, document: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(_schema(sandbox, name))
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def _json(sandbox: Sandbox, *args: str, code: int = 0) -> dict[str, Any]:
    result = sandbox.run(*args, "--format", "json")
    assert result.code == code, result.err
    return json.loads(result.out)


@pytest.mark.parametrize("name", PUBLISHED)
def test_the_printed_schema_is_the_one_generated_from_the_artifacts(sandbox: Sandbox,
                                                                     name: str) -> None:
    printed = sandbox.run("schema", "--output", name).out
    assert printed == schema_text(generate_schema(name))
    jsonschema.Draft202012Validator.check_schema(json.loads(printed))


def test_plain_schema_still_prints_the_manifest_schema(sandbox: Sandbox) -> None:
    schema = json.loads(sandbox.run("schema").out)
    assert schema["title"] == "Callboard manifest"
    assert "tags" in schema["properties"]


def test_plans_with_estimates_and_impact_match_the_plan_schema(sandbox: Sandbox) -> None:
    first = _json(sandbox, "plan")
    assert first["estimates"] and first["changes"]
    _check(sandbox, "plan", first)
    assert sandbox.run("apply", "--auto-approve").code == 0
    tags = sandbox.manifests / "tags.yaml"
    text = tags.read_text()
    start = text.index("  feedback-requested:")
    tags.write_text(text[:start])  # the last tag, which nothing refers to
    second = _json(sandbox, "plan")
    impacts = [c["impact"] for c in second["changes"] if c["impact"]]
    assert impacts, second["changes"]
    _check(sandbox, "plan", second)
    saved = sandbox.run("plan", "--out", "reviewed.cbplan")
    assert saved.code == 0
    _check(sandbox, "plan", json.loads((sandbox.root / "reviewed.cbplan").read_text()))


def test_drift_matches_the_drift_schema(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    tag = sandbox.tag_id("Member - Active")
    edited = sandbox.api("PUT", f"/api/3/tags/{tag}",
                         {"tag": {"tag": "Member - Active", "description": "by hand"}})
    assert edited.status_code == 200
    sandbox.api("POST", "/api/3/tags", {"tag": {"tag": "Made by hand", "tagType": "contact"}})
    report = _json(sandbox, "drift", code=2)
    assert {i["type"] for i in report["items"]} == {"changed", "unmanaged"}
    assert any(i["ignored"] for i in report["items"])
    _check(sandbox, "drift", report)


def test_sync_preview_and_log_match_their_schemas(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    preview = _json(sandbox, "sync", "preview", "members")
    assert preview["counts"]["add"] > 0
    _check(sandbox, "sync-preview", preview)
    assert sandbox.run("sync", "run", "members").code == 0
    log = _json(sandbox, "sync", "log", "members")
    assert log["runs"] and log["runs"][0]["status"] == "succeeded"
    _check(sandbox, "sync-log", log)


def test_validate_json_matches_its_schema_valid_or_not(sandbox: Sandbox) -> None:
    valid = _json(sandbox, "validate")
    assert valid["valid"] and valid["resources"] > 0 and valid["errors"] == []
    _check(sandbox, "validate", valid)
    tags = sandbox.manifests / "tags.yaml"
    tags.write_text(tags.read_text().replace("name: Newsletter", "nmae: Newsletter", 1))
    invalid = _json(sandbox, "validate", code=1)
    assert not invalid["valid"]
    assert invalid["errors"][0]["file"] == "manifests/tags.yaml"
    assert invalid["errors"][0]["line"] == 4
    assert invalid["errors"][0]["field"] == "tags.newsletter.nmae"
    _check(sandbox, "validate", invalid)


def test_errors_match_the_error_schema(sandbox: Sandbox) -> None:
    tags = sandbox.manifests / "tags.yaml"
    tags.write_text(tags.read_text().replace("name: Newsletter", "nmae: Newsletter", 1))
    error = _json(sandbox, "plan", code=1)
    assert error["error"]["kind"] == "manifest"
    _check(sandbox, "error", error)
