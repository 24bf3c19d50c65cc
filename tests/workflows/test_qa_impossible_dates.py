"""A date that does not exist (`since: 2026-02-30`) is a manifest error at file:line:field, not
an internal error: YAML reads it as a timestamp and Python refuses the day."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Sandbox


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01"])
def test_a_writeback_since_on_a_day_that_does_not_exist_names_file_line_and_field(
        sandbox: Sandbox, day: str) -> None:
    path = sandbox.manifests / "campaign_writebacks.yaml"
    path.write_text(path.read_text().replace("since: 2026-08-01", f"since: {day}", 1))
    for command in (("validate",), ("plan",)):
        result = sandbox.run(*command)
        assert result.code == 1, result.out
        error = result.err.strip()
        assert error.startswith("Error: manifests/campaign_writebacks.yaml:8: "
                                "campaign_writebacks.subscriptions.since: "), error
        assert "internal error" not in error and len(error.splitlines()) == 1
    assert sandbox.run("state", "list").out.strip() == ""
