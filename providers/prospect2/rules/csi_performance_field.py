"""Seeds 000 and 001: a Performance activity type needs the field holding the performance.

``performance_field`` is required exactly when the activity type's perf_ind is Performance,
and must name a custom field that exists or is declared (or an integration field)::

    activity_type: Performance Feedback            # perf_ind Performance
    # performance_field missing                    -> refused
    performance_field: PERFDATA__PERF_NO           -> accepted (integration field)

    activity_type: Patron Feedback                 # perf_ind none
    performance_field: AMAHL_PERF_NO               -> refused (it would be ignored)
"""

from __future__ import annotations

from engine.kinds import FieldProblem
from providers.prospect2.rules.custom_field_perstags import KnownPerstags, normalize_perstag


def check(value: str | None, activity_type: str, performance: bool,
          known: KnownPerstags) -> str | None:
    """The normalized perstag (or None), after the rule."""
    if performance and not value:
        raise FieldProblem("performance_field", (
            f"activity type {activity_type!r} is a Performance activity type: name the custom "
            "field that holds the performance number (e.g. PERFDATA__PERF_NO)"))
    if not performance and value:
        raise FieldProblem("performance_field", (
            f"activity type {activity_type!r} is not a Performance activity type, so a "
            "performance field cannot be set; remove it or choose a Performance activity type"))
    if value is None:
        return None
    perstag = normalize_perstag(value)
    if not known.knows(perstag):
        raise FieldProblem("performance_field", known.unknown(perstag))
    return perstag
