"""Two YAML mistakes every newcomer makes, said in their words rather than the parser's: a tab
used to indent, and a line indented out of step with its neighbours."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Sandbox


@pytest.mark.parametrize(("text", "expected"), [
    ("tags:\n\tvip:\n    name: VIP\n",
     "Error: manifests/bad.yaml:2: invalid YAML: this line is indented with a tab; YAML "
     "indents with spaces only"),
    ("tags:\n  vip:\n    name: VIP\n   description: Very important\n",
     "Error: manifests/bad.yaml:4: invalid YAML: this line's indentation does not match the "
     "lines above it (a key is one or more spaces off)"),
])
def test_yaml_mistakes_in_users_words(sandbox: Sandbox, text: str, expected: str) -> None:
    (sandbox.manifests / "bad.yaml").write_text(text)
    for command in (("validate",), ("plan",)):
        result = sandbox.run(*command)
        assert result.code == 1
        assert result.err.strip() == expected
