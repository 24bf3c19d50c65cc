"""Seed 003's re-sync: constituents still listed whose audited data changed get re-imported.

The seed excludes changes that would re-import much of a list for nothing: contact point
purposes, ranking, contact permission status, email addresses, and customer_no 0.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyroaring import BitMap

from engine.sync.ports import AuditChange

#: Audit tables whose changes never trigger a re-sync (seed 003's exceptions).
EXCLUDED_TABLES = frozenset({
    "T_EADDRESS",                # email address changes
    "TX_CONTACT_POINT_PURPOSE",  # CPPs added or removed
    "TX_CUST_RANK",              # customer ranking
    "TX_CONTACT_PERMISSION",     # contact permission status
})


def counts_for_resync(change: AuditChange) -> bool:
    return change.constituent_id != 0 and change.table.upper() not in EXCLUDED_TABLES


def resync_candidates(changes: Iterable[AuditChange], kept: BitMap) -> BitMap:
    """Changed constituents in both the list and the baseline (``kept``)."""
    changed = BitMap(c.constituent_id for c in changes if counts_for_resync(c))
    return changed & kept
