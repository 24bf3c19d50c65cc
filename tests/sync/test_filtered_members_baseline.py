"""QA (issue 10): listed constituents the address filters leave out (no contact permission,
no matching purpose) are not "synced": they stay out of the baseline, so the run after they
become eligible tags them. Seed 003 keeps "eligible constituent IDs" in LT_P2_LIST_CONTENTS.

Neither a permission nor a purpose change re-syncs (seed 003's exceptions), so a member taken
into the baseline while filtered out would never be tagged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.sync.delta import load_bitmap
from engine.sync.run_report import SUCCEEDED

from .emulated import MEMBERS_LIST, EmulatedSync

pytestmark = pytest.mark.anyio


@pytest.fixture
async def org(tmp_path: Path) -> AsyncIterator[EmulatedSync]:
    emulated = EmulatedSync(tmp_path / "state.db", mode="add_only")
    await emulated.start()
    yield emulated
    await emulated.close()


async def _run(org: EmulatedSync):  # noqa: ANN202
    assert org.runner is not None and org.definition is not None
    report = await org.runner.run(org.definition)
    assert report.status == SUCCEEDED, report.message
    return report


async def test_a_member_given_permission_later_is_tagged_by_the_next_run(
        org: EmulatedSync) -> None:
    first = await _run(org)
    filtered_out = await org.members() - await org.eligible_members()
    assert filtered_out, "list 101 of the small seed has members without permission"

    flips = await org.control("churn", {"list_id": MEMBERS_LIST, "permission_flip": 40,
                                        "seed": 11})
    given = set(flips["permission_flip"]) & filtered_out
    assert given, "some flips give permission to members the first run left out"
    second = await _run(org)

    assert await org.expected() <= await org.tagged()  # everyone eligible now is tagged
    assert second.constituents_added == len(given) and second.added >= len(given)
    baseline = set(load_bitmap(org.state.sync_baseline(org.definition.sync_id).members))
    assert given <= baseline and not baseline & (filtered_out - given)
    third = await _run(org)  # nothing moved: members still filtered out cost no import
    assert third.added == 0 and third.constituents_added == 0
    # each run says how many listed constituents it left out, and why
    assert first.waiting == len(filtered_out) and third.waiting == len(filtered_out - given)
    assert any("no address the sync's filters let through" in line
               for line in third.detail_lines())
