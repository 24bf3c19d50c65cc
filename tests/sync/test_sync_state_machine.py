"""Random churn, injected faults and crashes between batches, against the real ports and the
in-process emulators: after every successful run the tagged addresses in Prospect2 are what
the list and the filters say, each carries its member's contact data as the output set holds
it now (``resync: values``), the tag's Contact Point Purpose is on every tagged address and
off every address the sync untagged (trigger webhooks), and the baseline is the list's
eligible members. A few members' addresses are mistyped (Prospect2 refuses them, every run):
a run's summary counts the purposes it set, never on a refused address nor twice."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from engine.sync.delta import load_bitmap
from engine.sync.ports import ImportContact, ImportOutcome, ListSource, TagTarget
from engine.sync.run_report import SUCCEEDED, SyncRunReport

from .emulated import MEMBERS_LIST, EmulatedSync
from .test_contact_data_runs import _expected_values as expected_values

PURPOSE = 2  # "Season Announcements", an Email Address purpose of the seeded Tessitura


class ProcessKilled(BaseException):
    """The process dying right after a write landed, before it could journal it."""


class DyingTarget:
    """The real tag target, with the process killed after its ``lives``-th write."""

    def __init__(self, real: TagTarget, lives: int) -> None:
        self.real, self.lives = real, lives

    def _spend(self) -> None:
        self.lives -= 1
        if self.lives <= 0:
            raise ProcessKilled()

    async def import_tagged(self, contacts: Sequence[ImportContact], tag: str,
                            **options: bool) -> ImportOutcome:
        outcome = await self.real.import_tagged(contacts, tag, **options)
        self._spend()
        return outcome

    async def remove(self, association_id: str) -> bool:
        removed = await self.real.remove(association_id)
        self._spend()
        return removed

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class DyingSource:
    """The real list source, with the process killed after its ``lives``-th purpose update
    landed in Tessitura (the writes the list source makes)."""

    def __init__(self, real: ListSource, lives: int) -> None:
        self.real, self.lives = real, lives

    async def set_purposes(self, *args: Any, **kwargs: Any) -> dict[str, str]:
        answer = await self.real.set_purposes(*args, **kwargs)
        self.lives -= 1
        if self.lives <= 0:
            raise ProcessKilled()
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = tempfile.TemporaryDirectory()
        self.org = EmulatedSync(Path(self.folder.name) / "state.db", import_batch=4,
                                removal_batch=2, contact_data=True, resync="values",
                                purpose=PURPOSE)
        self.churns = 0
        self.ever_tagged: set[str] = set()
        self.ever_listed: set[int] = set()

    def _await(self, work: Any) -> Any:
        return self.loop.run_until_complete(work)

    @initialize()
    def start(self) -> None:
        self._await(self.org.start())
        self._await(self.org.control("churn", {"list_id": MEMBERS_LIST, "mistype": 2,
                                               "seed": 99}))
        self.ever_listed |= self._await(self.org.members())

    @rule(add=st.integers(0, 4), remove=st.integers(0, 3), change=st.integers(0, 2),
          share=st.integers(0, 1))
    def churn(self, add: int, remove: int, change: int, share: int) -> None:
        self.churns += 1
        churned = self._await(self.org.control("churn", {
            "list_id": MEMBERS_LIST, "add": add, "remove": remove, "change": change,
            "share_email": share, "seed": self.churns}))
        self.ever_listed |= set(churned["added"])

    @rule(error_rate=st.sampled_from([0.0, 0.15]), rate_429=st.sampled_from([0.0, 0.2]))
    def run(self, error_rate: float, rate_429: float) -> None:
        self._await(self.org.control("faults", {"error_rate": error_rate,
                                                "rate_429": rate_429}))
        report = self._await(self.org.runner.run(self.org.definition, force=True))
        self._await(self.org.control("faults", {"error_rate": 0.0, "rate_429": 0.0}))
        if report.status == SUCCEEDED:
            self._check()
            self._check_purposes_counted(report)

    @rule(lives=st.integers(1, 3), in_tessitura=st.booleans())
    def run_killed(self, lives: int, in_tessitura: bool) -> None:
        """Killed after a Prospect2 write (import, untag) or a Tessitura one (a purpose)."""
        runner = self.org.runner
        target, source = runner.target, runner.source
        if in_tessitura:
            runner.source = DyingSource(source, lives)
        else:
            runner.target = DyingTarget(target, lives)
        try:
            self._await(runner.run(self.org.definition, force=True))
        except ProcessKilled:
            assert self.org.state.sync_plan(self.org.definition.sync_id) is not None
        finally:
            runner.target, runner.source = target, source
        self._await(self.org.reconnect())  # the next run is a new process

    def _check(self) -> None:
        org = self.org
        tagged = self._await(org.tagged())
        assert tagged == self._await(org.expected())
        baseline = org.state.sync_baseline(org.definition.sync_id)
        assert set(load_bitmap(baseline.members)) == self._await(org.eligible_members())
        assert org.state.sync_plan(org.definition.sync_id) is None
        self.ever_tagged |= tagged
        holding = self._await(org.holding_purpose(PURPOSE, self.ever_listed))
        assert tagged <= holding and not (self.ever_tagged - tagged) & holding
        carried = self._await(expected_values(org))
        for address in tagged:
            assert self._await(org.field_values(address)) == carried[address], address

    @staticmethod
    def _check_purposes_counted(report: SyncRunReport) -> None:
        """The purpose goes on every address sent but the refused ones, off every untagged
        one. A run finishing a killed one adds its plan, whose refusals journaled before the
        kill the report does not list (the addresses are retried, and refused, again)."""
        sent = report.added + report.resynced + report.retried
        assert report.purposes_removed == report.removed
        if report.resumed:
            assert report.purposes_added <= sent - len(report.rejected)
        else:
            assert report.purposes_added == sent - len(report.rejected)

    def teardown(self) -> None:
        self._await(self.org.close())
        self.loop.close()
        self.folder.cleanup()


SyncMachine.TestCase.settings = settings(
    max_examples=30, stateful_step_count=7, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
TestSyncMachine = SyncMachine.TestCase


def test_the_machine_sees_a_leaver_lose_the_tag_and_its_purpose() -> None:
    """One path spelled out, so the machine's invariants are exercised whatever it draws."""
    machine = SyncMachine()
    try:
        machine.start()
        machine.run(0.0, 0.0)
        machine.churn(add=2, remove=3, change=3, share=1)
        machine.run_killed(lives=1, in_tessitura=True)
        machine.run(0.0, 0.0)
        assert machine.ever_tagged - machine._await(machine.org.tagged())
    finally:
        machine.teardown()
