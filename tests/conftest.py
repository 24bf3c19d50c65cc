"""Suite-wide hooks: the contract suite's counts reach the terminal with or without xdist.

Tests run in parallel workers (pytest-xdist); each worker hands its contract summary lines to
the controller, which prints them once at the end of the run. Under mutation testing
(``bench/mutation.py``) a mutant's tests run fastest first.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.contract.checking import SUMMARIES

WORKER_KEY = "contract_summaries"


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # in an xdist worker: hand the lines to the controller
        workeroutput[WORKER_KEY] = list(SUMMARIES)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    SUMMARIES.extend(getattr(node, "workeroutput", {}).get(WORKER_KEY, []))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SUMMARIES and not hasattr(terminalreporter.config, "workeroutput"):
        terminalreporter.section("contract: emulators against the vendors' descriptions")
        for line in dict.fromkeys(SUMMARIES):  # a run may check the same API twice
            terminalreporter.write_line(line)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under mutmut, which runs a mutant's tests until the first failure, run them fastest
    first by the times it recorded (``mutmut-stats.json`` in its working directory): most
    mutants then die in a unit test before any slow workflow test starts. Otherwise (and
    while mutmut records those times) pytest's own order stands."""
    stats = Path("mutmut-stats.json")
    if not os.environ.get("MUTANT_UNDER_TEST") or not stats.is_file():
        return
    durations: dict[str, float] = json.loads(stats.read_text()).get("duration_by_test", {})
    items.sort(key=lambda item: durations.get(item.nodeid, 0.0))
