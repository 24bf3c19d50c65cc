"""Trigger webhooks when Tessitura no longer holds an address (seed 003): a member whose
address was changed in Tessitura leaves the list, the run untags the old address in Prospect2
and asks Tessitura to take the tag's purpose off it; ``LP_CALLBOARD_SET_PURPOSES`` answers
``not_found`` (no constituent holds it now). The summary once said "removed from 1" for such
an address: what Tessitura did not do was counted as done. Now the counts are what Tessitura
answered, and the addresses it did not find are said apart, in the run's output, ``sync log``
and its JSON alike."""

from __future__ import annotations

import json
import re

from tests.cli.conftest import Sandbox

MEMBERS_LIST = 101


def _purpose_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "contact point purpose" in line]


def test_addresses_tessitura_does_not_hold_are_not_counted_as_set(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    first = sandbox.run("sync", "run", "members")
    assert first.code == 0, first.err
    assert _purpose_lines(first.out) == [
        "  contact point purpose: added to 120, removed from 0 (trigger webhooks)"]
    # every listed member's address changes in Tessitura; then some join and some leave
    sandbox.api("POST", "/_emulator/churn", json={"list_id": MEMBERS_LIST, "mistype": 600,
                                                  "seed": 5})
    sandbox.api("POST", "/_emulator/churn", json={"list_id": MEMBERS_LIST, "add": 40,
                                                  "remove": 30, "seed": 7})

    second = sandbox.run("sync", "run", "members")

    assert second.code == 0, second.err
    counts = re.search(r"succeeded: (\d+) added, \d+ re-synced, \d+ retried, (\d+) removed",
                       second.out)
    assert counts is not None, second.out
    added, removed = int(counts.group(1)), int(counts.group(2))
    assert added > 0 and removed > 0  # joiners' addresses are found, leavers' old ones not
    lines = [f"  contact point purpose: added to {added}, removed from 0 (trigger webhooks)",
             f"  contact point purpose: not found in Tessitura for {removed} "
             f"address{'es' if removed > 1 else ''} (no constituent holds "
             f"{'them' if removed > 1 else 'it'} now): nothing set on "
             f"{'them' if removed > 1 else 'it'}"]
    assert _purpose_lines(second.out) == lines
    logged = sandbox.run("sync", "log", "members")
    assert _purpose_lines(logged.out)[-2:] == lines
    runs = json.loads(sandbox.run("sync", "log", "members", "--format", "json").out)["runs"]
    assert [(r["purposes_added"], r["purposes_removed"], r["purposes_not_found"])
            for r in runs] == [(120, 0, 0), (added, 0, removed)]
