"""Trigger webhooks (seed 003): the tag's Contact Point Purpose follows the tag in Tessitura.

"Selecting this option will trigger webhooks that will update integrated Contact Point
Purposes on email addresses in Tessitura when the job is processed." A tag may stand for an
Email Address purpose (``tags.*.contact_point_purpose``); a sync with ``trigger_webhooks``
adds that purpose to the addresses it imports and, with add_and_remove, removes it from the
addresses it untags, through ``LP_CALLBOARD_SET_PURPOSES`` at 1,000 addresses a call.

The batches are decided with the rest of the run and frozen with it; each is journaled when
Tessitura confirms it, like an import batch. The procedure is idempotent (adding a purpose an
address holds changes nothing), so resending the one batch in flight after a crash doubles
nothing. An address Prospect2 refused to import is left out when its batch is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

#: LP_CALLBOARD_SET_PURPOSES takes at most this many addresses a call.
MAX_PURPOSE_BATCH = 1000

PurposeAction = Literal["add", "remove"]


@dataclass
class PurposeBatch:
    action: PurposeAction
    addresses: list[str]


def purpose_batches(purpose_id: int | None, tagged: Sequence[str], untagged: Sequence[str],
                    size: int = MAX_PURPOSE_BATCH) -> list[PurposeBatch]:
    """Adds for the addresses a run imports, then removes for those it untags."""
    if purpose_id is None:
        return []
    batches: list[PurposeBatch] = []
    for action, addresses in (("add", sorted(set(tagged))), ("remove", sorted(set(untagged)))):
        batches += [PurposeBatch(action, addresses[i:i + size])  # type: ignore[arg-type]
                    for i in range(0, len(addresses), size)]
    return batches
