"""Trigger webhooks (seed 003): the tag's Contact Point Purpose follows the tag in Tessitura.

"Selecting this option will trigger webhooks that will update integrated Contact Point
Purposes on email addresses in Tessitura when the job is processed." A tag may stand for an
Email Address purpose (``tags.*.contact_point_purpose``); a sync with ``trigger_webhooks``
adds that purpose to the addresses it imports and, with add_and_remove, removes it from the
addresses it untags, through ``LP_CALLBOARD_SET_PURPOSES`` at 1,000 addresses a call.

The batches are decided with the rest of the run and frozen with it; each is journaled when
Tessitura confirms it, like an import batch. The procedure is idempotent (adding a purpose an
address holds changes nothing), so resending the one batch in flight after a crash doubles
nothing. An address Prospect2 refused to import is left out when its batch is sent; one
Tessitura answers ``not_found`` for (no constituent holds it now) is counted apart, not as set.
"""

from __future__ import annotations

#: LP_CALLBOARD_SET_PURPOSES takes at most this many addresses a call.
MAX_PURPOSE_BATCH = 1000
#: What LP_CALLBOARD_SET_PURPOSES answers for an address no constituent holds.
NOT_FOUND = "not_found"
