"""Which custom field perstags a CSI webhook may name (seeds 000, 001).

Not a rule itself: the performance field and note field rules share it. A perstag is known
when a live Prospect2 custom field has it, a ``custom_fields`` resource declares it, or it is
an integration field that Prospect2's own processes fill (``PERFDATA__PERF_NO``,
``ORDER__PERF_NO`` from Scheduled Triggers, ``CUSTOM__*`` from Custom View automations).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from engine.kinds import ReferenceContext

INTEGRATION_FIELDS = ("PERFDATA__PERF_NO", "ORDER__PERF_NO")
CUSTOM_VIEW_PREFIX = "CUSTOM__"


def normalize_perstag(value: str) -> str:
    """``%seat_location%`` and ``seat_location`` both mean ``SEAT_LOCATION``."""
    return value.strip().strip("%").upper()


def is_integration_field(perstag: str) -> bool:
    return perstag in INTEGRATION_FIELDS or perstag.startswith(CUSTOM_VIEW_PREFIX)


@dataclass
class KnownPerstags:
    """Perstags of live and declared custom fields, with their field types."""

    types: dict[str, str] = field(default_factory=dict)

    def knows(self, perstag: str) -> bool:
        return perstag in self.types or is_integration_field(perstag)

    def type_of(self, perstag: str) -> str | None:
        return self.types.get(perstag)

    def unknown(self, perstag: str) -> str:
        """Why ``perstag`` is refused, with the closest known one."""
        close = difflib.get_close_matches(perstag, sorted(self.types), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return (f"{perstag} is neither a Prospect2 custom field nor declared under "
                f"custom_fields{hint}; integration fields {', '.join(INTEGRATION_FIELDS)} and "
                f"{CUSTOM_VIEW_PREFIX}* are accepted too")


async def known_perstags(refs: ReferenceContext) -> KnownPerstags:
    known = KnownPerstags()
    for obj in await refs.live_objects("custom_fields"):
        known.types[obj.key.upper()] = str(getattr(obj.value, "type", "") or "")
    for name in refs.managed_names("custom_fields"):
        declared = refs.desired("custom_fields", name)
        perstag = getattr(declared, "perstag", None)
        if perstag:
            known.types[str(perstag).upper()] = str(getattr(declared, "type", "") or "")
    return known
