"""Seed 003: "change the P2DSTrackChanges to YES" — the T_DEFAULTS rows Prospect2 reads take only
the values it understands.

Prospect2 reads P2DSTrackChanges as YES (in any case) or not: any other value switches the
re-sync of audited changes off without a word, so a typo is refused at plan::

    P2DSTrackChanges: {value: "YSE"}   # refused: YES or NO (did you mean 'YES'?)
    P2DSTrackChanges: {value: "YES"}   # accepted ("yes" too)

Rows Callboard does not know take any value.
"""

from __future__ import annotations

import difflib
from typing import Any, ClassVar

from engine.kinds import FieldProblem
from engine.rules import Rule, RuleContext

#: FieldName -> (the values Prospect2 understands, what the row does).
KNOWN_VALUES: dict[str, tuple[tuple[str, ...], str]] = {
    "P2DSTrackChanges": (("YES", "NO"),
                         "seed 003: YES re-syncs members whose audited data changed"),
}


class DefaultValues(Rule):
    seed: ClassVar[str] = "003"
    kinds: ClassVar[tuple[str, ...]] = ("tessitura_defaults",)

    async def check(self, default: Any, context: RuleContext) -> None:
        known = KNOWN_VALUES.get(str(default.field_name))
        if known is None:
            return
        values, meaning = known
        if default.value.strip().upper() in values:
            return
        close = difflib.get_close_matches(default.value.upper(), values, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise FieldProblem("value", f"{default.field_name} is {' or '.join(values)} "
                           f"({meaning}), not {default.value!r}{hint}")
