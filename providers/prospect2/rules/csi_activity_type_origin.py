"""Seed 001: an activity type tied to an Origin never creates a CSI.

Tessitura uses an Origin's activity type for its own purpose, so a Prospect2 webhook with it
silently does nothing::

    activity_type: Web Inquiry      # the Origin "Website" uses it: refused
    activity_type: Pro2 Feedback    # a dedicated activity type (activity_types kind): accepted
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.kinds import FieldProblem, ReferenceRow


def check(description: str, activity_type_id: object,
          origins: Sequence[ReferenceRow]) -> None:
    tied = [o for o in origins if str(o.data.get("activity_type_id")) == str(activity_type_id)]
    if tied:
        names = ", ".join(f"{o.description!r} (id {o.id})" for o in tied)
        raise FieldProblem("activity_type", (
            f"activity type {description!r} is tied to the Origin {names}, so it would never "
            "create a CSI: delete the Origin or use a dedicated activity type"))
