"""A manifest saved in another encoding (QA pass): Windows editors still save "Café" as
Windows-1252. The error once read "cannot read file: 'utf-8' codec can't decode byte 0xe9 in
position 28: invalid continuation byte", with no line; now it names the line and column, says
what is likely and what to do, and nothing is planned."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Sandbox


@pytest.mark.parametrize("name", ["cafe.yaml", "callboard.yaml"])
def test_a_manifest_in_windows_1252_is_one_error_with_its_line(sandbox: Sandbox,
                                                               name: str) -> None:
    text = ("tags:\n  cafe:\n    name: Café\n" if name == "cafe.yaml"
            else "organization:\n  name: Théâtre Lakeside\n")
    (sandbox.manifests / name).write_bytes(text.encode("cp1252"))
    column = 14 if name == "cafe.yaml" else 11

    for command in (("validate",), ("plan",)):
        result = sandbox.run(*command)

        assert result.code == 1, result.out
        assert result.err.strip() == (
            f"Error: manifests/{name}:{3 if name == 'cafe.yaml' else 2}: not UTF-8: byte "
            f"0xE9 at column {column} is not a UTF-8 "
            "character (saved as Windows-1252 or Latin-1?): save the file as UTF-8")
