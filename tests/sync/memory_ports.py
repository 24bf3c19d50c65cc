"""Plain in-memory list source and tag target for the run logic's own tests.

Not mocks of an HTTP client: small worlds that keep the ports' promises, so run logic
(batches, journal, ledger, crash resumption) is tested fast; the HTTP path is tested against
the emulator elsewhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from pyroaring import BitMap

from engine.sync.ports import (
    RESULTS_PAGE,
    AccountFacts,
    AuditChange,
    CustomFieldFacts,
    ExportRow,
    ImportContact,
    ImportOutcome,
    ResultsPage,
    SyncTag,
    TagAssociation,
)

PURPOSE = 7
TYPE = 1


class Crash(Exception):
    """Stands for the process dying: not a CallboardError, so the run does not catch it."""


def address_of(constituent: int) -> str:
    return f"c{constituent}@example.org"


@dataclass
class MemorySource:
    members_now: set[int] = field(default_factory=set)
    extra_rows: dict[int, list[ExportRow]] = field(default_factory=dict)
    #: Each constituent's output-set values by column (absent: NULL); the list's own set.
    values: dict[int, dict[str, str]] = field(default_factory=dict)
    output_set: int | None = 31
    #: The values of other output sets a sync may name, by set id (None asks for the list's).
    other_sets: dict[int, dict[int, dict[str, str]]] = field(default_factory=dict)
    #: Results pages read (``resync: values``), and constituents each export asked columns of.
    results_calls: int = 0
    changes: list[AuditChange] = field(default_factory=list)
    tracking: bool = True
    clock: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    regenerated: int = 0
    #: Constituent ids asked for by each export, as asked.
    exported: list[list[int]] = field(default_factory=list)
    _calls: int = 0

    async def regenerate(self, list_id: int) -> None:
        self._calls += 1
        self.regenerated += 1

    async def members(self, list_id: int) -> BitMap:
        self._calls += 1
        return BitMap(self.members_now)

    async def export(self, constituent_ids: Sequence[int], output_set_id: int | None = None,
                     columns: Sequence[str] = ()) -> list[ExportRow]:
        self._calls += (len(constituent_ids) + 999) // 1000
        self.exported.append(list(constituent_ids))
        rows: list[ExportRow] = []
        for c in constituent_ids:
            values = self._values(c, columns, output_set_id)
            rows.append(ExportRow(c, c, address_of(c), TYPE, True, False, frozenset({PURPOSE}),
                                  "Y", f"F{c}", f"L{c}", values))
            rows += [replace(r, values=values) for r in self.extra_rows.get(c, [])]
        return rows

    def _values(self, constituent: int, columns: Sequence[str],
                output_set_id: int | None) -> tuple[str | None, ...]:
        chosen = self.output_set if output_set_id is None else output_set_id
        values = self.values if chosen == self.output_set else self.other_sets.get(chosen, {})
        own = values.get(constituent, {})
        return tuple(own.get(column) for column in columns)

    #: Purpose updates sent (purpose id, action, addresses), and purposes held by address.
    purpose_calls: list[tuple[int, str, list[str]]] = field(default_factory=list)
    purposes: dict[str, set[int]] = field(default_factory=dict)

    async def set_purposes(self, purpose_id: int, action: str, addresses: Sequence[str]
                           ) -> dict[str, str]:
        self._calls += 1
        self.purpose_calls.append((purpose_id, action, list(addresses)))
        results = {}
        for address in addresses:
            held = self.purposes.setdefault(address, set())
            before = purpose_id in held
            (held.add if action == "add" else held.discard)(purpose_id)
            results[address] = "unchanged" if before == (action == "add") else (
                "added" if action == "add" else "removed")
        return results

    async def output_set_of(self, list_id: int) -> int | None:
        self._calls += 1
        return self.output_set

    async def results(self, list_id: int, output_set_id: int, columns: Sequence[str]
                      ) -> AsyncIterator[ResultsPage]:
        members = sorted(self.members_now)
        for start in range(0, max(len(members), 1), RESULTS_PAGE):
            self._calls += 1
            self.results_calls += 1
            yield [(c, self._values(c, columns, output_set_id))
                   for c in members[start:start + RESULTS_PAGE]]

    async def track_changes(self) -> bool:
        return self.tracking

    async def audit_changes(self, since: datetime, until: datetime) -> list[AuditChange]:
        self._calls += 1
        return [c for c in self.changes if since <= c.changed_at < until]

    async def now(self) -> datetime:
        self.clock += timedelta(seconds=1)
        return self.clock

    @property
    def calls(self) -> int:
        return self._calls


@dataclass
class MemoryTarget:
    """Tags by address; ``crash_after`` imports/removals raise Crash (after the write lands,
    like a process killed before it hears the answer)."""

    tagged: dict[str, str] = field(default_factory=dict)  # address -> association id
    refuse: dict[str, str] = field(default_factory=dict)
    crash_after: int | None = None
    imported: list[list[str]] = field(default_factory=list)
    #: Every contact sent, as sent (names included).
    contacts: list[ImportContact] = field(default_factory=list)
    writes: int = 0
    _calls: int = 0
    _next: int = 1

    #: The account's settings and its custom fields by perstag (contact data).
    integrated: bool = True
    fields: dict[str, CustomFieldFacts] = field(default_factory=dict)

    async def account(self) -> AccountFacts:
        return AccountFacts(True, self.integrated)

    async def custom_fields(self, perstags: Sequence[str]) -> dict[str, CustomFieldFacts]:
        return {p: self.fields[p] for p in perstags if p in self.fields}

    #: The tag's Contact Point Purpose (``tessituraPurposeId``) and id (None: no such tag).
    purpose: int | None = None
    tag_id: str | None = "1"

    async def tag(self, tag: str) -> SyncTag | None:
        return None if self.tag_id is None else SyncTag(self.tag_id, self.purpose)

    async def tag_name(self, tag_id: str) -> str | None:
        return None  # its one tag is found by name, or gone

    def _written(self) -> None:
        self.writes += 1
        if self.crash_after is not None and self.writes >= self.crash_after:
            self.crash_after = None
            raise Crash()

    async def import_tagged(self, contacts: Sequence[ImportContact], tag: str, *,
                            trigger_automations: bool, trigger_webhooks: bool
                            ) -> ImportOutcome:
        self._calls += 2
        outcome = ImportOutcome(batch_id=f"b{len(self.imported)}")
        self.imported.append([c.email for c in contacts])
        self.contacts += contacts
        for contact in contacts:
            if contact.email in self.refuse:
                outcome.rejected[contact.email] = self.refuse[contact.email]
                continue
            if contact.email not in self.tagged:
                self.tagged[contact.email] = f"a{self._next}"
                self._next += 1
            outcome.accepted[contact.email] = contact.email
        self._written()
        return outcome

    async def associations(self, tag: str) -> list[TagAssociation]:
        self._calls += len(self.tagged) // 100 + 1
        return [TagAssociation(e, e, a) for e, a in self.tagged.items()]

    async def find_association(self, email: str, tag: str) -> TagAssociation | None:
        self._calls += 1
        found = self.tagged.get(email)
        return TagAssociation(email, email, found) if found else None

    async def remove(self, association_id: str) -> bool:
        self._calls += 1
        for email, association in list(self.tagged.items()):
            if association == association_id:
                del self.tagged[email]
                self._written()
                return True
        return False

    @property
    def calls(self) -> int:
        return self._calls

    @property
    def rate_limited(self) -> int:
        return 0

    @property
    def rate_per_second(self) -> float | None:
        return None
