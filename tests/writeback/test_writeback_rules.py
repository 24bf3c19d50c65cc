"""The pure rules of a writeback run: which mapping, which constituents, which batches."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import CallboardError, StateError
from engine.writeback import ledger as ledgers
from engine.writeback.matching import (
    MappingChoice,
    choose_mapping,
    mapping_matches,
    tag_mappings_without_tags,
)
from engine.writeback.ports import Campaign, PromotionCount, WritebackMapping
from engine.writeback.recipients import (
    RecipientConstituents,
    distinct_addresses,
    resolve_constituents,
)
from engine.writeback.run import plan_tasks


def mapping(name: str, glob: str | None = None, tag: str | None = None,
            mapping_id: str = "1") -> WritebackMapping:
    return WritebackMapping(id=mapping_id, name=name, appeal_id=501, source_group_id=21,
                            campaign_name_glob=glob, campaign_tag=tag)


SENT = True


@pytest.mark.parametrize(("glob", "name", "expected"), [
    ("SUBS *", "SUBS Spring Preview", True),
    ("subs *", "SUBS Spring Preview", True),
    ("SUBS *", "subs spring", True),
    ("SUBS *", "Lakeside SUBS", False),
    ("*Monthly*", "Lakeside Monthly - August", True),
    ("Gala ?ave*", "Gala Save the Date", True),
    ("[AB]*", "Gala", False),
])
def test_name_globs_match_without_case(glob: str, name: str, expected: bool) -> None:
    assert mapping_matches(mapping("m", glob=glob), Campaign("1", name, SENT)) is expected


def test_tag_mappings_match_a_tag_the_campaign_carries() -> None:
    by_tag = mapping("members", tag="Members")
    assert mapping_matches(by_tag, Campaign("1", "x", SENT, tags=("members", "vip")))
    assert not mapping_matches(by_tag, Campaign("1", "x", SENT, tags=("vip",)))
    assert not mapping_matches(by_tag, Campaign("1", "Members", SENT))


def test_several_matching_mappings_use_the_first_by_name() -> None:
    zeta, alpha = mapping("zeta", glob="*", mapping_id="1"), mapping("Alpha", glob="SUBS*",
                                                                    mapping_id="2")
    choice = choose_mapping(Campaign("7", "SUBS Fall", SENT), [zeta, alpha])
    assert choice == MappingChoice(alpha, (zeta,))
    assert choose_mapping(Campaign("8", "Gala", SENT), [alpha]) is None


def test_tag_mappings_are_reported_when_campaigns_carry_no_tags() -> None:
    by_tag, by_name = mapping("members", tag="Members"), mapping("subs", glob="SUBS*")
    untagged = [Campaign("1", "SUBS", SENT)]
    assert tag_mappings_without_tags(untagged, [by_name, by_tag]) == [by_tag]
    tagged = [Campaign("1", "SUBS", SENT, tags=("x",))]
    assert tag_mappings_without_tags(tagged, [by_name, by_tag]) == []


def test_recipients_become_distinct_sorted_constituents_and_strangers_are_counted() -> None:
    addresses = distinct_addresses(["B@x.org", "a@x.org", "b@X.org ", "", "c@x.org",
                                    "d@x.org"])
    assert addresses == ["B@x.org", "a@x.org", "c@x.org", "d@x.org"]
    owners = {"B@x.org": 12, "a@x.org": 3, "c@x.org": None, "d@x.org": 12}
    assert resolve_constituents(addresses, owners) == RecipientConstituents((3, 12), 4, 1)


def test_plan_skips_unsent_and_unmatched_and_keeps_started_ledgers() -> None:
    campaigns = [Campaign("1", "SUBS A", SENT), Campaign("2", "SUBS B", False, "0"),
                 Campaign("3", "Gala", SENT), Campaign("10", "SUBS C", SENT)]
    plan = plan_tasks(campaigns, [mapping("subs", glob="SUBS*")],
                      {"10": "complete", "4": "started"})
    assert [(t.campaign.id, t.ledger_status) for t in plan.tasks] == [("1", None),
                                                                      ("4", "started")]
    assert (plan.unmatched_sent, plan.already_complete) == (1, ["10"])


@pytest.mark.parametrize(("only", "message"), [
    ("99", "Prospect2 has no campaign 99"),
    ("2", "campaign 2 ('SUBS B') has not been sent (status 0)"),
    ("3", "campaign 3 ('Gala') matches no writeback mapping (mappings: subs (campaign name "
          "'SUBS*'))"),
])
def test_one_campaign_that_cannot_be_written_back_is_an_error(only: str, message: str) -> None:
    campaigns = [Campaign("2", "SUBS B", False, "0"), Campaign("3", "Gala", SENT)]
    with pytest.raises(CallboardError, match="^" + re.escape(message)):
        plan_tasks(campaigns, [mapping("subs", glob="SUBS*")], {}, only=only)


def a_ledger(ids: list[int], batch_size: int):  # noqa: ANN201 - WritebackLedger
    return ledgers.new_ledger(Campaign("5", "SUBS", SENT), MappingChoice(mapping("m", "*")),
                              RecipientConstituents(tuple(ids), len(ids), 0), batch_size)


@given(st.lists(st.integers(1, 10**7), unique=True, max_size=60).map(sorted),
       st.integers(1, 13), st.data())
def test_batches_partition_the_frozen_list_and_resume_after_the_confirmed_ones(
        ids: list[int], size: int, data: st.DataObject) -> None:
    ledger = a_ledger(ids, size)
    batches = list(ledgers.pending_batches(ledger))
    assert [i for _, batch in batches for i in batch] == ids
    assert all(0 < len(batch) <= size for _, batch in batches)
    ledger.source_id = 1
    confirmed = data.draw(st.integers(0, len(batches)))
    for index, batch in batches[:confirmed]:
        ledgers.confirm_batch(ledger, index, batch, PromotionCount(len(batch), 0))
    rest = list(ledgers.pending_batches(ledger))
    assert rest == batches[confirmed:]
    assert ledger.inserted == sum(len(b) for _, b in batches[:confirmed])
    assert ledgers.finish_if_done(ledger) == (confirmed == len(batches))


def test_a_batch_answer_that_does_not_account_for_every_id_is_not_confirmed() -> None:
    ledger = a_ledger([1, 2, 3], 2)
    ledger.source_id = 9
    with pytest.raises(CallboardError, match="Inserted 1 \\+ Skipped 0 for a batch of 2"):
        ledgers.confirm_batch(ledger, 0, [1, 2], PromotionCount(1, 0))
    assert ledger.batches_confirmed == 0


def test_a_damaged_ledger_is_refused() -> None:
    ledger = a_ledger([1, 2, 3], 2)
    ledger.constituent_ids.append(4)
    with pytest.raises(StateError, match="damaged"):
        ledgers.verify(ledger)


def test_batch_size_is_bounded_by_the_procedure() -> None:
    with pytest.raises(CallboardError, match="between 1 and 1000"):
        a_ledger([1], 1001)
