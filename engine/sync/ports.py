"""The two services a Data Sync run needs, as the engine sees them.

A *list source* (Tessitura) regenerates a List Manager list, reads its members, exports their
email addresses in bulk and reports audited changes; a *tag target* (Prospect2) tags contacts
by bulk import and untags them by contactTag association. Providers offer them as ports
(``Provider.port``); the engine's run logic knows nothing else of either API.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from pyroaring import BitMap

from engine.errors import CallboardError

LIST_SOURCE_PORT = "sync.list_source"
TAG_TARGET_PORT = "sync.tag_target"

#: LP_CALLBOARD_SYNC_EXPORT takes at most this many constituent ids a call.
MAX_EXPORT_BATCH = 1000
#: Prospect2's bulk import takes at most this many contacts a call.
MAX_IMPORT_BATCH = 250


@dataclass(frozen=True)
class AccountFacts:
    """The Prospect2 account's Tessitura integration, as a run needs it."""

    tessitura_connected: bool
    contact_permissions_integrated: bool

    def require_connected(self, what: str) -> None:
        """Data Sync and writeback runs need the account connected to Tessitura, as plan
        needs it for their kinds (and Prospect2's own runner for its runs)."""
        if not self.tessitura_connected:
            raise CallboardError(f"{what}: this Prospect2 account is not connected to "
                                 "Tessitura (tessituraConnected is false): connect it to "
                                 "Tessitura in Prospect2 first; nothing was changed")


@dataclass(frozen=True)
class AuditChange:
    """One audited change of a constituent's data: which table and column, and when."""

    constituent_id: int
    table: str
    column: str
    changed_at: datetime


#: ``Lists/{id}/Results`` pages at most this many rows (one call per page).
RESULTS_PAGE = 1000


@dataclass(frozen=True)
class ImportContact:
    """``fields``: (custom field id, value) pairs the import fills (``""`` clears one)."""

    email: str
    first_name: str = ""
    last_name: str = ""
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CustomFieldFacts:
    """A Prospect2 custom field as a sync's contact data needs it: where values go and
    which values fit (``options`` of a choice field; empty when none are defined)."""

    field_id: str
    perstag: str
    type: str
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class SyncTag:
    """The sync's tag as Prospect2 holds it now: its id (a tag deleted and made again has
    another, and none of the old one's contacts) and its Contact Point Purpose."""

    tag_id: str
    purpose_id: int | None = None


@dataclass
class ImportOutcome:
    """One confirmed bulk-import batch: which emails were tagged, which refused and why."""

    batch_id: str
    accepted: dict[str, str] = field(default_factory=dict)  # email -> Prospect2 contact id
    rejected: dict[str, str] = field(default_factory=dict)  # email -> the API's reason


@dataclass(frozen=True)
class TagAssociation:
    """A contact carrying a tag: what a removal needs (the association id, not the tag id)."""

    email: str
    contact_id: str
    association_id: str


@dataclass(frozen=True)
class ExportRow:
    """One email address of one constituent, with what the sync's filters look at."""

    constituent_id: int
    eaddress_id: int
    address: str
    type_id: int
    primary: bool
    inactive: bool
    purpose_ids: frozenset[int]
    permission: str | None
    """The contact permission's answer: "Y", "N" or None (none given)."""
    first_name: str = ""
    last_name: str = ""
    #: The output set's columns asked for (``export(columns=…)``), as text (None: NULL).
    values: tuple[str | None, ...] = ()


#: One page of a list's output-set results: (constituent id, its columns' values as text).
ResultsPage = list[tuple[int, tuple[str | None, ...]]]


@dataclass(frozen=True)
class SyncActivity:
    """One run Prospect2 made itself of a sync it runs (``runner: prospect2``), as its
    activity log holds it: counts are addresses; an error without an email failed the run."""

    activity_id: str
    run_at: str
    added: int = 0
    removed: int = 0
    resynced: int = 0
    errors: tuple[tuple[str | None, str], ...] = ()


class ListSource(Protocol):
    async def regenerate(self, list_id: int) -> None:
        """Ask Tessitura to re-run the list's criteria now."""

    async def members(self, list_id: int) -> BitMap:
        """Constituent ids in the list as last generated."""

    async def export(self, constituent_ids: Sequence[int], output_set_id: int | None = None,
                     columns: Sequence[str] = ()) -> list[ExportRow]:
        """Email rows of these constituents (the port batches by MAX_EXPORT_BATCH), with
        ``columns`` of the output set beside each (``ExportRow.values``)."""

    async def output_set_of(self, list_id: int) -> int | None:
        """The list's own (default) output set, or None."""

    def results(self, list_id: int, output_set_id: int, columns: Sequence[str]
                ) -> AsyncIterator[ResultsPage]:
        """Every member's ``columns`` as last generated, page by page (RESULTS_PAGE a call),
        without regenerating the list."""

    async def track_changes(self) -> bool:
        """Whether T_DEFAULTS P2DSTrackChanges is YES (seed 003 re-sync)."""

    async def audit_changes(self, since: datetime, until: datetime) -> list[AuditChange]:
        """Audited changes in [since, until)."""

    async def now(self) -> datetime:
        """The service's clock, so audit windows never miss or repeat a change."""

    async def set_purposes(self, purpose_id: int, action: str, addresses: Sequence[str]
                           ) -> dict[str, str]:
        """Add (``action`` "add") or remove a Contact Point Purpose on these addresses (at
        most 1,000) for every constituent owning them: address -> what happened (added,
        removed, unchanged, not_found). Idempotent."""

    @property
    def calls(self) -> int:
        """Requests made so far (for the run log and benchmarks)."""


class TagTarget(Protocol):
    async def account(self) -> AccountFacts:
        """The account's integration settings (read once)."""

    async def custom_fields(self, perstags: Sequence[str]) -> dict[str, CustomFieldFacts]:
        """The custom fields with these perstags (absent ones left out), with options."""

    async def tag(self, tag: str) -> SyncTag | None:
        """The tag named ``tag`` (None: there is none), with the Tessitura Contact Point
        Purpose it stands for (``tessituraPurposeId``); read once per target."""

    async def tag_name(self, tag_id: str) -> str | None:
        """The name the tag with id ``tag_id`` has now (None: there is no such tag): what
        became of a sync's tag that its name no longer finds (renamed, or deleted)."""

    async def import_tagged(self, contacts: Sequence[ImportContact], tag: str, *,
                            trigger_automations: bool, trigger_webhooks: bool
                            ) -> ImportOutcome:
        """Import ≤ MAX_IMPORT_BATCH contacts with ``tag`` and wait for the batch's result."""

    async def associations(self, tag: str) -> list[TagAssociation]:
        """Every contact carrying ``tag`` with its association id (paged, one pass)."""

    async def find_association(self, email: str, tag: str) -> TagAssociation | None:
        """One contact's association for ``tag`` (when the cached one is unknown)."""

    async def remove(self, association_id: str) -> bool:
        """Delete a contactTag association; False when it was already gone."""

    async def activity(self, sync_id: str, since: str) -> list[SyncActivity]:
        """Prospect2's own runs of a sync it runs, started at or after ``since`` (ISO),
        oldest first (its activity log keeps 30 days)."""

    @property
    def calls(self) -> int:
        """Requests made so far."""

    @property
    def rate_limited(self) -> int:
        """429 answers seen so far."""

    @property
    def rate_per_second(self) -> float | None:
        """The service's request budget, for a long run's ETA (None: no budget)."""
