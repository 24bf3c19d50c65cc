"""A tag's or Data Sync's name defaults to its NAME (the manifest key), so a NAME longer than
Prospect2 keeps is the same mistake as a long `name:`: an error at validate with file:line,
never an internal error at plan or a 422 at apply."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Sandbox

LONG = "x" * 300


@pytest.mark.parametrize("command", [("validate",), ("plan",), ("apply", "--auto-approve")])
def test_a_long_tag_name_taken_from_its_key_is_refused_before_anything_changes(
        sandbox: Sandbox, command: tuple[str, ...]) -> None:
    (sandbox.manifests / "long.yaml").write_text(f"# a tag named by its key\ntags:\n  {LONG}:"
                                                 " {description: too long a key}\n")
    result = sandbox.run(*command)
    assert result.code == 1
    assert result.err.strip() == (
        f"Error: manifests/long.yaml:3: tags.{LONG}.name: is 300 characters long; Prospect2 "
        "keeps at most 255 (the name defaults to the NAME: declare a shorter name, or a "
        "shorter NAME)")
    assert sandbox.run("state", "list").out == ""


def test_a_long_data_sync_name_taken_from_its_key_is_refused(sandbox: Sandbox) -> None:
    syncs = sandbox.manifests / "data_syncs.yaml"
    syncs.write_text(syncs.read_text().replace("  lapsed-donors:\n", f"  {LONG}:\n"))
    result = sandbox.run("validate")
    assert result.code == 1
    assert f"manifests/data_syncs.yaml:30: data_syncs.{LONG}.name: is 300 characters" in result.err
    assert "(the name defaults to the NAME" in result.err


def test_a_long_key_with_a_short_name_is_fine(sandbox: Sandbox) -> None:
    (sandbox.manifests / "long.yaml").write_text(f"tags:\n  {LONG}: {{name: Short}}\n")
    result = sandbox.run("validate")
    assert result.code == 0, result.err
