"""Seed 000, step 4: only activity types whose perf_ind is none or Performance.

Prospect2 does not list Package or Package/Performance activity types on the CSI form::

    activity_type: Package Query          # perf_ind Package: refused
    activity_type: Patron Feedback        # perf_ind none: accepted
"""

from __future__ import annotations

from engine.kinds import FieldProblem

ALLOWED = ("none", "Performance")


def check(description: str, perf_ind: str) -> None:
    if perf_ind.casefold() not in {a.casefold() for a in ALLOWED}:
        raise FieldProblem("activity_type", (
            f"Prospect2 does not offer Package activity types for CSI webhooks: "
            f"{description!r} has perf_ind {perf_ind}; choose one whose perf_ind is none or "
            "Performance"))


def is_performance(perf_ind: str) -> bool:
    return perf_ind.casefold() == "performance"
