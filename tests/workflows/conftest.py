"""Workflow tests drive the real CLI in a sandbox directory, as a user following the README."""

from tests.cli.conftest import Sandbox, sandbox  # noqa: F401 - fixture re-exported
