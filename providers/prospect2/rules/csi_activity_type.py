"""What the CSI webhook rules need to know about the activity type a webhook names (seeds
000, 001). Not a rule itself: the perf_ind, Origin, auto-close and performance field rules
share it.

The activity type is a live row, or one the same manifests declare under ``activity_types``
(made by the same apply, so its facts come from the declaration).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.kinds import ReferenceContext, ReferenceRow
from engine.references import Ref, row_of

ACTIVITY_TYPES = "tessitura.activity_types"
ACTIVITY_CATEGORIES = "tessitura.activity_categories"


@dataclass(frozen=True)
class ActivityTypeFacts:
    description: str
    perf_ind: str
    category: Ref | None
    #: The live row (None for a type the same apply creates).
    row: ReferenceRow | None

    @property
    def performance(self) -> bool:
        return self.perf_ind.casefold() == "performance"


async def activity_type_facts(webhook: Any, refs: ReferenceContext) -> ActivityTypeFacts:
    """Facts of ``webhook.activity_type`` as the handler resolved it."""
    ref: Ref = webhook.activity_type
    rows = await refs.reference(ACTIVITY_TYPES)
    row = row_of(ref, rows)
    declared = declared_activity_type(ref, refs)
    if declared is not None:
        return ActivityTypeFacts(str(declared.description), declared.perf_ind or "none",
                                 declared.category, row)
    if row is None:  # resolving refused it already; nothing more to say
        return ActivityTypeFacts(ref.label or str(ref.id), "none", None, None)
    return ActivityTypeFacts(row.description, str(row.data.get("perf_ind") or "none"),
                             Ref(ACTIVITY_CATEGORIES, row.data.get("category_id")), row)


def declared_activity_type(ref: Ref, refs: ReferenceContext) -> Any | None:
    """The ``activity_types`` resource described as ``ref`` says, if the manifests declare
    one (its description is its identity)."""
    if ref.label is None:
        return None
    for name in refs.managed_names("activity_types"):
        declared = refs.desired("activity_types", name)
        if declared is not None and str(declared.description).casefold() == \
                ref.label.casefold():
            return declared
    return None
