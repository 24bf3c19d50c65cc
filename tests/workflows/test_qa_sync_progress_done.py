"""A sync run's last progress line (plain lines when not a terminal) counts what the run took:
"10/10 (100 %), done in 1 s". It once kept the estimate as the total, "10/16 (100 %)", which
reads as a run that stopped part-way, or a percentage that is wrong."""

from __future__ import annotations

import re

from tests.cli.conftest import Sandbox


def test_the_done_line_of_a_sync_run_counts_what_it_took(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0

    ran = sandbox.run("sync", "run", "newsletter-subscribers")

    assert ran.code == 0, ran.err
    estimates = re.findall(r"\(API calls\): [\d,]+/([\d,]+) \(\d+ %\), about", ran.err)
    done = re.search(r"data_syncs\.newsletter-subscribers \(API calls\): ([\d,]+)/([\d,]+) "
                     r"\(100 %\), done in ", ran.err)
    assert done is not None, ran.err
    assert done.group(1) == done.group(2)
    assert estimates and estimates[-1] != done.group(2)  # the estimate was off: a real check
