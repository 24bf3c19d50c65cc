"""Seed 003: one tag per sync, a declared ``tags`` resource or a tag existing in Prospect2.

The field names the tag resource (its NAME) or the Prospect2 tag itself::

    tag: members-activ          # neither declared nor existing: refused
    tag: members-active         # the tags.members-active resource: accepted
    tag: Newsletter             # an existing Prospect2 tag: accepted
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

from engine.kinds import FieldProblem


def resolve(value: str, declared: Mapping[str, str], existing: Sequence[str]) -> str:
    """The Prospect2 name of the tag ``value`` means.

    ``declared`` maps each tags resource NAME to its Prospect2 name; ``existing`` holds live
    tag names. A resource NAME wins, then a declared tag's Prospect2 name, then a live tag.
    """
    if value in declared:
        return declared[value]
    if value in declared.values() or value in existing:
        return value
    choices = sorted(set(declared) | set(existing))
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise FieldProblem("tag", f"no tag {value!r} is declared under tags or exists in "
                       f"Prospect2{hint}; a Data Sync applies one existing tag")
