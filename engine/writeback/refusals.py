"""Mappings a ``writeback run`` refuses before its first write, while the others run.

Plan refuses a mapping whose appeal, source group or media type is inactive in Tessitura
(its dropdowns offer only active rows), but a Tessitura admin can retire one after apply. A
run then leaves that mapping's campaigns unwritten, says which code and what to do, and
writes them back on the first run after the mapping is fixed: nothing is lost, since a
campaign is only recorded as written back once it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.words import plural, verb
from engine.writeback.ports import RetiredCode


@dataclass(frozen=True)
class MappingRefusal:
    """One mapping a run left alone, why, and how many sent campaigns wait for it."""

    mapping: str
    codes: tuple[RetiredCode, ...]
    campaigns: int

    def reason(self) -> str:
        """``mapping subscriptions: its source group 'Email Marketing' (id 21) is inactive
        …: reactivate it …``: the sentence a run prints, and ``--campaign`` refuses with."""
        count = len(self.codes)
        codes = " and ".join(c.describe() for c in self.codes)
        them = verb(count, "it", "them")
        fix = f"an active {self.codes[0].what}" if count == 1 else "active ones"
        return (f"mapping {self.mapping}: its {codes} {verb(count, 'is', 'are')} inactive in "
                f"Tessitura, so "
                f"{plural(self.campaigns, 'sent campaign')} {verb(self.campaigns, 'was', 'were')}"
                f" left unwritten: reactivate {them} in Tessitura, or point the mapping at "
                f"{fix} and run 'callboard apply'; the next 'writeback run' writes "
                f"{verb(self.campaigns, 'it', 'them')} back")
