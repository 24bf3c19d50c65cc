"""Trigger webhooks (seed 003) through real runs: the tag's Contact Point Purpose follows the
tag in Tessitura, added on the addresses a run tags and removed from those it untags."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from engine.render.sync_log import run_text
from engine.render.sync_preview import preview_text
from engine.state.sqlite import SqliteState
from engine.sync.ports import LIST_SOURCE_PORT, ExportRow, ListSource
from engine.sync.run_report import SUCCEEDED, SyncRunReport
from engine.sync.runner import DataSyncRunner

from .emulated import MEMBERS_LIST, EmulatedSync
from .memory_ports import Crash, MemorySource, MemoryTarget, address_of
from .test_runner_memory import DEFINITION

SEASON_ANNOUNCEMENTS = 2  # an Email Address purpose of the seeded Tessitura


@pytest.fixture
async def org(tmp_path: Path) -> AsyncIterator[EmulatedSync]:
    emulated = EmulatedSync(tmp_path / "state.db", purpose=SEASON_ANNOUNCEMENTS)
    await emulated.start()
    yield emulated
    await emulated.close()


@pytest.mark.anyio
async def test_the_purpose_follows_the_tag_in_tessitura(org: EmulatedSync) -> None:
    assert org.runner is not None and org.definition is not None
    assert org.definition.purpose_id == SEASON_ANNOUNCEMENTS
    members = await org.members()
    first = await org.runner.run(org.definition, force=True)
    assert first.status == SUCCEEDED and first.purposes_added == first.added > 0
    tagged = await org.tagged()
    assert tagged <= await org.holding_purpose(SEASON_ANNOUNCEMENTS, members)

    churn = await org.control("churn", {"list_id": MEMBERS_LIST, "remove": 6, "seed": 4})
    second = await org.runner.run(org.definition, force=True)
    assert second.status == SUCCEEDED and second.removed > 0
    untagged = tagged - await org.tagged()
    assert second.purposes_removed == len(untagged) == second.removed
    held = await org.holding_purpose(SEASON_ANNOUNCEMENTS, members | set(churn["removed"]))
    assert not untagged & held and await org.tagged() <= held


class _KilledAfterPurposes:
    """The real list source, the process killed right after its ``lives``-th purpose update
    landed in Tessitura; the size of each update it sent."""

    def __init__(self, real: ListSource, lives: int, sizes: list[int]) -> None:
        self.real, self.lives, self.sizes = real, lives, sizes

    async def set_purposes(self, purpose_id: int, action: str, addresses: Sequence[str]
                           ) -> dict[str, str]:
        answer = await self.real.set_purposes(purpose_id, action, addresses)
        self.sizes.append(len(addresses))
        self.lives -= 1
        if self.lives == 0:
            raise Crash()
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.mark.anyio
async def test_a_run_finishing_a_killed_one_says_what_tessitura_holds(tmp_path: Path) -> None:
    """Over a thousand addresses, some mistyped in Tessitura (Prospect2 refuses them); the
    process dies after the second purpose update landed, before it was journaled. The run that
    finishes it says the purpose went on every tagged address once, as the run log keeps it."""
    org = EmulatedSync(tmp_path / "state.db", purpose=SEASON_ANNOUNCEMENTS, seed="demo")
    await org.start()
    try:
        assert org.runner is not None and org.definition is not None and org.session
        churn = await org.control("churn", {"list_id": MEMBERS_LIST, "add": 1000,
                                            "mistype": 12, "seed": 3})
        source = org.session.port(LIST_SOURCE_PORT)
        await source.set_purposes(SEASON_ANNOUNCEMENTS, "remove",  # none holds it before
                                  [t["Address"] for t in churn["mistyped"]])
        sizes: list[int] = []
        org.runner.source = _KilledAfterPurposes(source, 2, sizes)
        with pytest.raises(Crash):
            await org.runner.run(org.definition, force=True)
        await org.reconnect()  # a new process finishes it
        org.runner.source = _KilledAfterPurposes(org.session.port(LIST_SOURCE_PORT), -1, sizes)
        report = await org.runner.run(org.definition, force=True)
        tagged = await org.tagged()
        holding = await org.holding_purpose(SEASON_ANNOUNCEMENTS, await org.members())
        [*_, entry] = org.state.sync_runs(org.definition.address, "")
    finally:
        await org.close()
    refused = set(report.rejected)
    assert report.status == SUCCEEDED and report.resumed and report.retried == len(refused)
    assert refused and refused <= {t["Address"] for t in churn["mistyped"]}
    # the first update was journaled before the kill (a refused address left out of it), the
    # second landed unjournaled and went again; the retried addresses were refused again
    assert sizes[0] < 1000 and sizes[1] == sizes[2] and len(sizes) == 3
    assert sizes[0] + sizes[2] == len(tagged) == report.purposes_added
    assert tagged <= holding and not refused & holding
    line = (f"  contact point purpose: added to {len(tagged)}, removed from 0 (trigger "
            "webhooks)")
    assert line in run_text(SyncRunReport.from_log_entry(entry)).plain.splitlines()


class _AddressesChange:
    """The real list source; before the first purpose update, ``mistype`` listed members'
    addresses change in Tessitura (the update finds none of those it carries); with ``kill``
    the process dies before the second is sent. What Tessitura answered each update sent."""

    def __init__(self, org: EmulatedSync, mistype: int, kill: bool) -> None:
        assert org.session is not None
        self.org, self.real = org, org.session.port(LIST_SOURCE_PORT)
        self.mistype, self.kill = mistype, kill
        self.answers: list[dict[str, str]] = []

    async def set_purposes(self, purpose_id: int, action: str, addresses: Sequence[str]
                           ) -> dict[str, str]:
        if self.answers and self.kill:
            raise Crash()
        if self.mistype:
            await self.org.control("churn", {"list_id": MEMBERS_LIST, "mistype": self.mistype,
                                             "seed": 8})
            self.mistype = 0
        self.answers.append(await self.real.set_purposes(purpose_id, action, addresses))
        return self.answers[-1]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.mark.anyio
async def test_a_resumed_run_counts_addresses_tessitura_did_not_find_as_not_set(
        tmp_path: Path) -> None:
    """Over a thousand addresses tagged; between the imports and the first purpose update,
    some members' addresses change in Tessitura, so it answers ``not_found`` for them. The
    process dies after that update was journaled; the run that finishes it counts them from
    the journal as not found, like those of the update it sends itself, never as added."""
    org = EmulatedSync(tmp_path / "state.db", purpose=SEASON_ANNOUNCEMENTS, seed="demo")
    await org.start()
    try:
        assert org.runner is not None and org.definition is not None and org.session
        await org.control("churn", {"list_id": MEMBERS_LIST, "add": 1000, "seed": 3})
        org.runner.source = killed = _AddressesChange(org, mistype=500, kill=True)
        with pytest.raises(Crash):
            await org.runner.run(org.definition, force=True)
        await org.reconnect()  # a new process finishes it
        org.runner.source = finishing = _AddressesChange(org, mistype=0, kill=False)
        report = await org.runner.run(org.definition, force=True)
        tagged = await org.tagged()
        members = await org.members()
        listed = {r.address.strip().lower()
                  for r in await org.session.port(LIST_SOURCE_PORT).export(sorted(members))}
        holding = await org.holding_purpose(SEASON_ANNOUNCEMENTS, members)
        [*_, entry] = org.state.sync_runs(org.definition.address, "")
    finally:
        await org.close()
    [journaled], [sent] = killed.answers, finishing.answers  # each update went once
    missing = [sum(1 for r in a.values() if r == "not_found") for a in (journaled, sent)]
    assert report.status == SUCCEEDED and report.resumed
    assert 0 < missing[0] < len(journaled) and 0 < missing[1] < len(sent)
    assert len(journaled) + len(sent) == len(tagged) > 1000
    added = len(tagged) - sum(missing)
    assert (report.purposes_added, report.purposes_not_found) == (added, sum(missing))
    # what a listed member still holds got the purpose; the addresses that changed did not
    assert tagged & listed <= holding and len(tagged - listed) >= sum(missing)
    lines = run_text(SyncRunReport.from_log_entry(entry)).plain.splitlines()
    assert (f"  contact point purpose: added to {added}, removed from 0 (trigger webhooks)"
            in lines)
    assert (f"  contact point purpose: not found in Tessitura for {sum(missing)} addresses "
            "(no constituent holds them now): nothing set on them") in lines


def test_purposes_go_1000_addresses_a_call_and_a_crash_doubles_nothing(tmp_path: Path) -> None:
    """Batched and journaled like imports: a run killed after a purpose batch landed resends
    at most that batch (the procedure is idempotent); refused addresses get no purpose."""
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now=set(range(1, 2501))), MemoryTarget(purpose=7)
    target.refuse[address_of(5)] = "bounced"
    definition = replace(DEFINITION, mode="add_and_remove", trigger_webhooks=True,
                         purpose_id=7)
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0)
    real = source.set_purposes
    calls = 0

    async def dies_after_two(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        nonlocal calls
        answer = await real(*args, **kwargs)
        calls += 1
        if calls == 2:
            raise Crash()
        return answer

    source.set_purposes = dies_after_two  # type: ignore[method-assign]
    with pytest.raises(Crash):
        asyncio.run(runner.run(definition, force=True))
    source.set_purposes = real  # type: ignore[method-assign]
    report = asyncio.run(runner.run(definition, force=True))
    assert report.status == SUCCEEDED and report.resumed
    sent = [(action, len(addresses)) for _, action, addresses in source.purpose_calls]
    # the batch in flight when the process died is sent once more; nothing else is
    assert sent == [("add", 1000), ("add", 1000), ("add", 1000), ("add", 499)]
    # what was set, each batch once (the one journaled before the kill too); not 2,501 planned
    assert report.purposes_added == 2499
    assert {a for a, held in source.purposes.items() if 7 in held} == {
        address_of(c) for c in range(1, 2501)} - {address_of(5)}

    source.members_now = set(range(1, 2401))
    source.purpose_calls.clear()
    assert asyncio.run(runner.run(definition, force=True)).purposes_removed == 100
    assert [(a, len(x)) for _, a, x in source.purpose_calls] == [("remove", 100)]
    assert not any(7 in source.purposes.get(address_of(c), set()) for c in range(2401, 2501))
    state.close()


def _dies_after(source: MemorySource, calls: int) -> None:
    """The process dies right after its ``calls``-th purpose update landed in Tessitura."""
    real, made = source.set_purposes, 0

    async def dying(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        nonlocal made
        answer = await real(*args, **kwargs)
        made += 1
        if made == calls:
            source.set_purposes = real  # type: ignore[method-assign]
            raise Crash()
        return answer

    source.set_purposes = dying  # type: ignore[method-assign]


def test_the_summary_counts_the_purposes_set_not_planned_across_a_kill(tmp_path: Path) -> None:
    """Refused addresses in the two batches journaled before the kill and in the one resent
    after it: the finishing run says what Tessitura holds, as ``sync run`` and ``sync log``
    show it."""
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now=set(range(1, 2201))), MemoryTarget(purpose=7)
    # one in each 1,000 addresses (by address: c1000@ first, c2@ in the second, c820@ last)
    refused = {address_of(1000), address_of(2), address_of(820)}
    target.refuse.update(dict.fromkeys(refused, "bounced"))
    definition = replace(DEFINITION, trigger_webhooks=True, purpose_id=7)
    runner = DataSyncRunner(source, target, state)
    _dies_after(source, 3)
    with pytest.raises(Crash):
        asyncio.run(runner.run(definition, force=True))
    report = asyncio.run(runner.run(definition, force=True))
    assert report.resumed and (report.added, report.retried) == (2200, 3)
    held = {a for a, purposes in source.purposes.items() if 7 in purposes}
    assert len(held) == 2197 and not held & refused
    # the third batch landed before the kill, unjournaled, and went again
    assert [len(x) for _, _, x in source.purpose_calls] == [999, 999, 199, 199]
    assert report.purposes_added == 2197
    line = "  contact point purpose: added to 2197, removed from 0 (trigger webhooks)"
    assert line in report.summary_text().splitlines()
    [*_, entry] = state.sync_runs(DEFINITION.address, "")
    assert line in SyncRunReport.from_log_entry(entry).summary_text().splitlines()
    state.close()


def test_an_address_prospect2_refuses_gets_no_purpose_and_is_not_counted(
        tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}), MemoryTarget(purpose=7)
    target.refuse[address_of(2)] = "bounced"
    definition = replace(DEFINITION, mode="add_and_remove", trigger_webhooks=True,
                         purpose_id=7)
    report = asyncio.run(DataSyncRunner(source, target, state).run(definition))
    assert (report.added, len(report.rejected), report.purposes_added) == (3, 1, 2)
    assert {a for a, held in source.purposes.items() if 7 in held} == {address_of(1),
                                                                       address_of(3)}
    assert ("  contact point purpose: added to 2, removed from 0 (trigger webhooks)"
            in report.summary_text().splitlines())
    state.close()


def test_each_purpose_update_is_a_line_of_sync_run_v(tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2, 3}), MemoryTarget(purpose=7)
    definition = replace(DEFINITION, mode="add_and_remove", trigger_webhooks=True,
                         purpose_id=7)
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0)
    with caplog.at_level("INFO", logger="engine.sync.plan_sender"):
        asyncio.run(runner.run(definition))
        source.members_now = {1}
        asyncio.run(runner.run(definition))
    assert [m for m in caplog.messages if " purpose " in m] == [
        "sync: 41 purpose 7 add on 3 addresses (part 2)",
        "sync: 41 purpose 7 remove on 2 addresses (part 1)"]
    state.close()


def test_the_summary_counts_purposes_over_every_page(tmp_path: Path) -> None:
    """1,100 addresses tagged: the purpose goes on in two calls and the summary says 1,100;
    then 1,099 untagged: off in two calls, 1,099 said."""
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now=set(range(1, 1101))), MemoryTarget(purpose=7)
    definition = replace(DEFINITION, trigger_webhooks=True, purpose_id=7)
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0)
    first = asyncio.run(runner.run(definition))
    assert (first.added, first.purposes_added) == (1100, 1100)
    source.members_now = {1}
    source.purpose_calls.clear()
    second = asyncio.run(runner.run(definition))
    assert (second.removed, second.purposes_removed) == (1099, 1099)
    assert [(a, len(x)) for _, a, x in source.purpose_calls] == [("remove", 1000),
                                                                  ("remove", 99)]
    state.close()


def test_the_preview_says_the_purposes_it_plans_over_every_page(tmp_path: Path) -> None:
    """A preview counts what it plans (a run, what it set), in pages of 1,000 both ways."""
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now=set(range(1, 1101))), MemoryTarget(purpose=7)
    definition = replace(DEFINITION, trigger_webhooks=True, purpose_id=7)
    runner = DataSyncRunner(source, target, state, max_remove_fraction=1.0)

    def purpose_line() -> str:
        text = preview_text(asyncio.run(runner.preview(definition))).plain
        [line] = [line for line in text.splitlines() if "contact point purpose" in line]
        return line

    assert purpose_line() == ("  contact point purpose: to add to 1100, to remove from 0 "
                              "(trigger webhooks; an address Prospect2 refuses to import "
                              "gets none)")
    assert source.purpose_calls == []  # a preview sets nothing
    asyncio.run(runner.run(definition))
    source.members_now = {1, 1101, 1102}
    assert purpose_line().startswith("  contact point purpose: to add to 2, to remove from "
                                     "1099 (trigger webhooks;")
    state.close()


def test_a_preview_without_trigger_webhooks_plans_no_purposes(tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "state.db")
    runner = DataSyncRunner(MemorySource(members_now={1, 2}), MemoryTarget(purpose=7), state)
    text = preview_text(asyncio.run(runner.preview(DEFINITION))).plain
    assert "to add" in text and "contact point purpose" not in text
    state.close()


def test_every_tagged_address_gets_the_purpose_whatever_it_starts_with(tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "state.db")
    source, target = MemorySource(members_now={1, 2}), MemoryTarget(purpose=7)
    source.extra_rows[2] = [ExportRow(2, 102, "007@example.org", 1, False, False,
                                      frozenset({7}), "Y")]
    definition = replace(DEFINITION, trigger_webhooks=True, purpose_id=7)
    report = asyncio.run(DataSyncRunner(source, target, state).run(definition))
    assert report.purposes_added == 3
    assert {a for a, held in source.purposes.items() if 7 in held} == {
        "007@example.org", address_of(1), address_of(2)}
    state.close()
