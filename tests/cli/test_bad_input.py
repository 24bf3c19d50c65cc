"""Bad input at the CLI: one message with file:line, exit 1, no traceback, nothing changed."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Sandbox

CASES = {
    "unknown-field": ("tags:\n  x:\n    nme: X\n", "manifests/extra.yaml:3: tags.x.nme: "
                      "unknown field 'nme' (did you mean 'name'?)"),
    "bad-yaml": ("tags: [\n", "manifests/extra.yaml:2: invalid YAML"),
    "duplicate-address": ("tags:\n  newsletter: {name: Again}\n",
                          "manifests/tags.yaml:3: tags.newsletter: declared twice: at "
                          "manifests/extra.yaml:2 and at manifests/tags.yaml:3"),
    "same-object-twice": ("tags:\n  news-again: {name: Newsletter, description: x}\n",
                          "both declare the tags object 'Newsletter'"),
}


COMMANDS = [["validate"], ["plan"], ["apply", "--auto-approve"]]
# Natural keys are compared once references resolve, so that case starts at plan time.
MATRIX = [(case, cmd) for case in sorted(CASES) for cmd in COMMANDS
          if not (case == "same-object-twice" and cmd == ["validate"])]


@pytest.mark.parametrize(("case", "command"), MATRIX)
def test_bad_manifest_changes_nothing(sandbox: Sandbox, case: str, command: list[str]) -> None:
    text, expected = CASES[case]
    (sandbox.manifests / "extra.yaml").write_text(text)
    result = sandbox.run(*command)
    assert result.code == 1
    assert expected in result.err
    assert "Traceback" not in result.err + result.out
    assert sandbox.run("state", "list").out == ""
    names = {t["tag"] for t in sandbox.api("GET", "/api/3/tags?limit=100").json()["tags"]}
    assert "Member - Active" not in names


def test_api_error_is_one_message_and_a_fixed_rerun_finishes(sandbox: Sandbox) -> None:
    path = sandbox.manifests / "custom_fields.yaml"
    original = path.read_text()
    # Prospect2 refuses a second field titled like an existing one (case-insensitively).
    path.write_text(original + "  clash:\n    title: seat_location\n    type: text\n"
                    "    perstag: SEAT_TWO\n")
    failed = sandbox.run("apply", "--auto-approve")
    assert failed.code == 1 and "Traceback" not in failed.err
    assert "custom_fields.clash" in failed.err and "title" in failed.err
    assert "run the same apply again" in failed.err
    recorded = sandbox.run("state", "list").out
    assert "custom_fields.last-attended" in recorded  # finished changes were recorded
    path.write_text(original)
    assert sandbox.run("apply", "--auto-approve").code == 0
    assert sandbox.run("plan", "--detailed-exitcode").code == 0
