"""What both emulators share in one host: fault settings, a clock, request statistics.

The control API (``/_emulator/...``) changes these; the emulated APIs read them. Tests and
demos use them to act as the outside world (slow or failing servers, passing time).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

#: The emulators' clock starts here for every seed, so seeded data is deterministic.
EPOCH = datetime(2026, 9, 1, 9, 0, 0, tzinfo=UTC)


class FaultSettings(BaseModel):
    """Body and answer of ``POST /_emulator/faults``."""

    model_config = ConfigDict(extra="forbid")
    latency_ms: int = Field(0, ge=0, le=60_000)
    error_rate: float = Field(0.0, ge=0.0, le=1.0)
    rate_429: float = Field(0.0, ge=0.0, le=1.0)
    enforce_rate_limit: bool = False
    #: Prospect2's budgets (5 requests a second, 100 imports a minute) times this, when
    #: enforced: for benchmarks of long runs, with the client's budgets raised as much.
    rate_limit_scale: float = Field(1.0, ge=1.0, le=1000.0)


class EmulatorClock:
    """A settable clock: audit times and campaign send dates come from it."""

    def __init__(self, now: datetime = EPOCH) -> None:
        self._now = now
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._now = self._now + timedelta(seconds=seconds)
            return self._now

    def set(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        with self._lock:
            self._now = moment
            return self._now


@dataclass
class RequestStats:
    """Counts per ``"METHOD /path-template"``, as ``GET /_emulator/stats`` reports them."""

    requests: Counter[str] = field(default_factory=Counter)
    rate_limited: int = 0
    #: ``POST /Custom/Execute`` calls by procedure name: one route carries reads
    #: (``LP_CALLBOARD_VERSION``) and writes, and tests counting writes tell them apart.
    procedures: Counter[str] = field(default_factory=Counter)

    def record(self, key: str) -> None:
        self.requests[key] += 1

    def snapshot(self) -> dict[str, object]:
        return {"requests": dict(sorted(self.requests.items())), "rate_limited": self.rate_limited,
                "procedures": dict(sorted(self.procedures.items()))}

    def clear(self) -> None:
        self.requests.clear()
        self.procedures.clear()
        self.rate_limited = 0


@dataclass
class EmulatorControl:
    """Shared by the Prospect2 and Tessitura apps of one emulator host."""

    faults: FaultSettings = field(default_factory=FaultSettings)
    clock: EmulatorClock = field(default_factory=EmulatorClock)
    stats: RequestStats = field(default_factory=RequestStats)
    rng: random.Random = field(default_factory=lambda: random.Random(20261126))

    def reset(self) -> None:
        self.faults = FaultSettings()
        self.clock = EmulatorClock()
        self.stats.clear()
        self.rng = random.Random(20261126)
