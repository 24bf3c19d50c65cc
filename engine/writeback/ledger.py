"""The per-campaign writeback ledger's rules: freezing, batching, confirming, resuming.

Pure functions over ``WritebackLedger`` (the record lives with the state store). The ledger
freezes the sorted constituent list and the batch size, so batch N is the same ids on every
run; ``batches_confirmed`` counts the leading batches Tessitura acknowledged. Re-sending the
one batch in flight when a run died is harmless: the procedure skips existing promotions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

from engine.errors import CallboardError, StateError
from engine.state.base import WritebackLedger
from engine.writeback.matching import MappingChoice
from engine.writeback.ports import MAX_PROMOTION_BATCH, Campaign, PromotionCount
from engine.writeback.recipients import RecipientConstituents

STARTED, COMPLETE = "started", "complete"


def constituents_digest(constituent_ids: Sequence[int]) -> str:
    """A fingerprint of the frozen list, checked on resume so a damaged ledger is refused."""
    text = ",".join(str(i) for i in constituent_ids)
    return "sha256:" + hashlib.sha256(text.encode("ascii")).hexdigest()


def check_batch_size(batch_size: int) -> int:
    if not 1 <= batch_size <= MAX_PROMOTION_BATCH:
        raise CallboardError(
            f"promotion batch size must be between 1 and {MAX_PROMOTION_BATCH}, not {batch_size}")
    return batch_size


def new_ledger(campaign: Campaign, choice: MappingChoice, recipients: RecipientConstituents,
               batch_size: int) -> WritebackLedger:
    """The ledger a campaign's writeback starts from, before anything is written."""
    mapping = choice.mapping
    ids = list(recipients.constituent_ids)
    return WritebackLedger(
        campaign_id=campaign.id, campaign_name=campaign.name, mapping_id=mapping.id,
        mapping_name=mapping.name, appeal_id=mapping.appeal_id,
        source_group_id=mapping.source_group_id, media_type_id=mapping.media_type_id,
        constituent_ids=ids, constituents_digest=constituents_digest(ids),
        unowned_addresses=recipients.unowned_addresses,
        batch_size=check_batch_size(batch_size))


def verify(ledger: WritebackLedger) -> None:
    """Refuse to resume from a ledger whose frozen list no longer matches its digest."""
    if constituents_digest(ledger.constituent_ids) != ledger.constituents_digest:
        raise StateError(
            f"the writeback ledger of campaign {ledger.campaign_id} is damaged (its constituent "
            "list does not match its digest); it cannot be resumed safely")
    if ledger.batch_size < 1 or not 0 <= ledger.batches_confirmed <= batch_count(ledger):
        raise StateError(
            f"the writeback ledger of campaign {ledger.campaign_id} is damaged (batch size "
            f"{ledger.batch_size}, {ledger.batches_confirmed} batches confirmed)")


def batch_count(ledger: WritebackLedger) -> int:
    return -(-len(ledger.constituent_ids) // ledger.batch_size)


def pending_batches(ledger: WritebackLedger) -> Iterator[tuple[int, list[int]]]:
    """``(index, ids)`` of every batch not yet confirmed, in order."""
    size = ledger.batch_size
    for index in range(ledger.batches_confirmed, batch_count(ledger)):
        yield index, ledger.constituent_ids[index * size:(index + 1) * size]


def confirm_batch(ledger: WritebackLedger, index: int, batch: Sequence[int],
                  count: PromotionCount) -> None:
    """Record Tessitura's answer for batch ``index``; it must account for every id sent."""
    if index != ledger.batches_confirmed:
        raise StateError(f"campaign {ledger.campaign_id}: batch {index + 1} confirmed out of "
                         f"order (next is {ledger.batches_confirmed + 1})")
    if count.inserted + count.skipped != len(batch):
        raise CallboardError(
            f"Tessitura answered Inserted {count.inserted} + Skipped {count.skipped} for a "
            f"batch of {len(batch)} constituents (campaign {ledger.campaign_id}, batch "
            f"{index + 1}); the batch is not confirmed, run again to retry it")
    ledger.batches_confirmed += 1
    ledger.inserted += count.inserted
    ledger.skipped += count.skipped
    if ledger.batches_confirmed == batch_count(ledger) and ledger.source_id is not None:
        ledger.status = COMPLETE


def finish_if_done(ledger: WritebackLedger) -> bool:
    """Mark complete once the source exists and every batch is confirmed (also zero batches)."""
    if ledger.source_id is not None and ledger.batches_confirmed == batch_count(ledger):
        ledger.status = COMPLETE
    return ledger.status == COMPLETE
