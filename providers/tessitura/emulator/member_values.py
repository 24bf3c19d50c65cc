"""What output sets read about a constituent beyond the population: attendance and giving.

Like the population, each value is a pure function of the constituent id plus a few stored
overrides (what churn changed), so a million-row list pages without building its rows.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from providers.tessitura.emulator.population import mix

if TYPE_CHECKING:
    from providers.tessitura.emulator.population import ConstituentPopulation

ATTENDANCE_SALT, GIFT_SALT = 7, 8
#: Rolls below this never attended a performance (no ticket history: a NULL date).
NEVER_ATTENDED_BELOW = 20
#: The seeded ticket history runs back two seasons from the day before the emulator's epoch.
LAST_SEEDED_PERFORMANCE = date(2026, 8, 31)
HISTORY_DAYS = 730


def base_last_performance_date(constituent_id: int) -> str | None:
    """``YYYY-MM-DD`` of the constituent's latest performance, or None."""
    if mix(constituent_id, ATTENDANCE_SALT) < NEVER_ATTENDED_BELOW:
        return None
    days_back = (constituent_id * 7919) % HISTORY_DAYS
    return (LAST_SEEDED_PERFORMANCE - timedelta(days=days_back)).isoformat()


def base_lifetime_giving(giving_status: str, constituent_id: int) -> float:
    """Current donors gave more than lapsed ones; people who never gave show 0."""
    roll = mix(constituent_id, GIFT_SALT)
    if giving_status == "current":
        return float(250 + roll * 50)
    if giving_status == "lapsed":
        return float(50 + roll * 10)
    return 0.0


class MemberValues:
    """Lifetime giving added by churn (a gift adjustment), on top of the derived amounts."""

    def __init__(self) -> None:
        self.gifts: dict[int, float] = {}

    def last_performance_date(self, constituent_id: int) -> str | None:
        return base_last_performance_date(constituent_id)

    def lifetime_giving(self, population: ConstituentPopulation, constituent_id: int) -> float:
        base = base_lifetime_giving(population.giving(constituent_id), constituent_id)
        return round(base + self.gifts.get(constituent_id, 0.0), 2)

    def add_gift(self, constituent_id: int, amount: float) -> None:
        self.gifts[constituent_id] = round(self.gifts.get(constituent_id, 0.0) + amount, 2)

    def to_dict(self) -> dict[str, Any]:
        return {"gifts": {str(k): v for k, v in self.gifts.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> MemberValues:
        values = cls()
        values.gifts = {int(k): float(v) for k, v in (data or {}).get("gifts", {}).items()}
        return values
