"""Prints the contract suite's counts at the end of every run, passing or not."""

from __future__ import annotations

from typing import Any

from tests.contract.checking import SUMMARIES


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SUMMARIES:
        terminalreporter.section("contract: emulators against the vendors' descriptions")
        for line in SUMMARIES:
            terminalreporter.write_line(line)
