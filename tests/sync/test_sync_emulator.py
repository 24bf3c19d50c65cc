"""Sync runs through the real ports over HTTP to the in-process emulators (seed "small")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.errors import CallboardError
from engine.sync.definition import load_definition
from engine.sync.delta import load_bitmap
from engine.sync.plan_sender import IMPORTS_IN_FLIGHT
from engine.sync.run_report import STOPPED, SUCCEEDED

from .emulated import GENERATE_ROUTE, MEMBERS_LIST, TAG, EmulatedSync

pytestmark = pytest.mark.anyio


@pytest.fixture
async def org(tmp_path: Path) -> AsyncIterator[EmulatedSync]:
    emulated = EmulatedSync(tmp_path / "state.db", max_remove_fraction=0.1)
    await emulated.start()
    yield emulated
    await emulated.close()


async def _run(org: EmulatedSync, force: bool = False):  # noqa: ANN202
    assert org.runner is not None and org.definition is not None
    return await org.runner.run(org.definition, force=force)


async def test_first_run_tags_the_list_then_churn_moves_only_the_delta(
        org: EmulatedSync) -> None:
    first = await _run(org)
    assert first.status == SUCCEEDED, first.message
    assert first.added > 0 and await org.tagged() == await org.expected()
    baseline = load_bitmap(org.state.sync_baseline(org.definition.sync_id).members)
    assert set(baseline) == await org.eligible_members()  # the filtered-out wait outside

    churn = await org.control("churn", {"list_id": MEMBERS_LIST, "add": 3, "remove": 2,
                                        "change": 2, "seed": 3})
    second = await _run(org)
    assert second.status == SUCCEEDED, second.message
    joined = set(churn["added"]) & await org.eligible_members()
    left = set(churn["removed"]) & set(baseline)  # only synced members leave the sync
    assert second.constituents_added == len(joined) and second.constituents_removed == len(left)
    assert second.resynced == 0  # P2DSTrackChanges is not YES in the seed
    assert await org.tagged() == await org.expected()
    assert churn["removed"]


async def test_preview_writes_nothing_to_prospect2_and_agrees_with_the_next_run(
        org: EmulatedSync) -> None:
    """Seed 003 / spec §4: a preview regenerates the list as a run would, so its counts are
    the counts of the run that follows; ``--no-regenerate`` shows the list as last generated."""
    await _run(org, force=True)
    synced = set(load_bitmap(org.state.sync_baseline(org.definition.sync_id).members))
    churn = await org.control("churn", {"list_id": MEMBERS_LIST, "add": 3, "remove": 2,
                                        "seed": 5})
    stale = await org.runner.preview(org.definition, regenerate=False)
    assert not stale.regenerated
    assert not stale.plan.added and not stale.plan.removed  # the churn is not visible yet
    before = (await org.control("stats"))["requests"]
    preview = await org.runner.preview(org.definition)
    after = (await org.control("stats"))["requests"]
    written = {k for k in after if after[k] != before.get(k, 0) and not k.startswith("GET ")}
    assert written <= {GENERATE_ROUTE, "POST /TessituraService/Custom/Execute"}  # reads
    assert preview.regenerated
    counts = (len(preview.plan.added), len(preview.plan.removed),
              len(preview.plan.imports("add")), len(preview.plan.imports("resync")),
              len(preview.plan.removals()))
    eligible = await org.eligible_members()
    assert counts[:2] == (len(set(churn["added"]) & eligible),
                          len(set(churn["removed"]) & synced))
    assert counts[0] > 0
    run = await _run(org, force=True)
    assert (run.constituents_added, run.constituents_removed, run.added, run.resynced,
            run.removed) == counts


async def test_a_mass_removal_stops_before_any_write(org: EmulatedSync) -> None:
    await _run(org)
    tagged = await org.tagged()
    size = len(await org.members())
    await org.control("churn", {"list_id": MEMBERS_LIST, "remove": size // 4, "seed": 9})
    before = await org.writes()
    stopped = await _run(org)
    assert stopped.status == STOPPED and "sync_max_remove_fraction" in stopped.message
    generate = "POST /TessituraService/Reporting/Lists/{listId}/Generate"
    stats = (await org.control("stats"))["requests"]
    assert await org.writes() - before == 1 and stats[generate] >= 1  # only the regenerate
    assert await org.tagged() == tagged
    forced = await _run(org, force=True)
    assert forced.status == SUCCEEDED and await org.tagged() == await org.expected()


async def test_a_run_killed_between_batches_is_finished_by_the_next(tmp_path: Path) -> None:
    org = EmulatedSync(tmp_path / "state.db", import_batch=4, removal_batch=2)
    await org.start()
    try:
        assert org.runner is not None and org.definition is not None
        real = org.runner.target
        sent: list[int] = []

        class Killed(BaseException):
            pass

        class DiesAfterTwoImports:
            """The real target; the process dies once a second batch has landed."""

            async def import_tagged(self, contacts, tag, **options):  # noqa: ANN001, ANN202
                outcome = await real.import_tagged(contacts, tag, **options)
                sent.append(len(contacts))
                if len(sent) == 2:
                    raise Killed()
                return outcome

            def __getattr__(self, name: str):  # noqa: ANN204
                return getattr(real, name)

        org.runner.target = DiesAfterTwoImports()
        with pytest.raises(Killed):
            await org.runner.run(org.definition)
        await org.reconnect()
        imports = "POST /api/3/import/bulk_import"
        before = (await org.control("stats"))["requests"][imports]
        finished = await org.runner.run(org.definition)
        assert finished.status == SUCCEEDED and finished.resumed
        batches = -(-finished.added // 4)
        sent_again = (await org.control("stats"))["requests"][imports] - before
        doubled = before - batches + sent_again  # sent by both runs
        assert batches >= 3 and 1 <= sent_again <= batches  # the journaled are not resent
        # the killed one and those in flight when it died (their journaling cut short too)
        assert 1 <= doubled <= IMPORTS_IN_FLIGHT
        assert await org.tagged() == await org.expected()
    finally:
        await org.close()


async def test_a_sync_deleted_in_prospect2_is_a_clear_error_before_any_run(
        org: EmulatedSync) -> None:
    assert org.session is not None and org.definition is not None
    record = org.state.get("data_syncs.members")
    assert record is not None
    await org.prospect2("DELETE", f"/tessitura/dataSyncs/{record.remote_id}")
    with pytest.raises(CallboardError) as gone:
        await load_definition(org.session, record, org.state)
    assert str(gone.value) == (f"data_syncs.members: Data Sync {record.remote_id} no longer "
                               "exists in Prospect2 (run 'callboard plan' to see the drift)")


async def test_a_tag_deleted_in_prospect2_is_a_clear_error_before_any_run(
        org: EmulatedSync) -> None:
    """Deleting a tag takes its contactTags with it: a run would tag nobody and keep a
    baseline saying all were tagged."""
    assert org.definition is not None
    tags = (await org.prospect2("GET", "/tags"))["tags"]
    assert org.definition.tag_id == next(str(t["id"]) for t in tags if t["tag"] == TAG)
    await org.prospect2("DELETE", f"/tags/{org.definition.tag_id}")
    await org.reconnect()  # the next 'callboard sync run'
    record = org.state.get("data_syncs.members")
    assert org.session is not None and record is not None
    with pytest.raises(CallboardError) as gone:
        await load_definition(org.session, record, org.state)
    assert str(gone.value) == (
        f"data_syncs.members: its tag {TAG!r} no longer exists in Prospect2 (deleted out of "
        "band?), so its members no longer carry it and the run stops before any write: run "
        "'callboard plan' and 'callboard apply' to create the tag again; the next run then "
        "tags every member again")


async def test_an_account_no_longer_integrated_with_permissions_stops_filtering_by_them(
        org: EmulatedSync) -> None:
    """Answers filter only where the account integrates Contact Permissions (seed 003): once
    it does not, members who said no are tagged too, and the run that follows says so."""
    assert org.session is not None
    first = await _run(org, force=True)
    await org.control("account", {"contactPermissionsIntegrated": False})
    await org.reconnect()  # the next 'callboard sync run'
    assert org.session is not None
    record = org.state.get("data_syncs.members")
    assert record is not None
    org.definition = await load_definition(org.session, record, org.state)
    second = await _run(org, force=True)
    assert first.status == second.status == SUCCEEDED and second.added > 0


async def test_each_run_counts_only_its_own_429s(org: EmulatedSync) -> None:
    """``sync run --all`` runs every sync with one runner: a run after a busy one says how
    many 429s it met itself, not the busy run's as well."""
    await org.control("faults", {"rate_429": 0.3})
    busy = await _run(org)
    await org.control("faults", {"rate_429": 0.0})
    calm = await _run(org)
    assert busy.status == calm.status == SUCCEEDED
    assert busy.rate_limited > 0
    assert calm.detail_lines()[1] == (f"  API calls: Tessitura {calm.tessitura_calls}, "
                                      f"Prospect2 {calm.prospect2_calls} (0 answered 429)")
