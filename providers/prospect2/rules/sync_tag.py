"""Seed 003: one tag per sync, a declared ``tags`` resource or a tag existing in Prospect2.

The field names the tag resource (its NAME) or the Prospect2 tag itself::

    tag: members-activ          # neither declared nor existing: refused
    tag: members-active         # the tags.members-active resource: accepted
    tag: Newsletter             # an existing Prospect2 tag: accepted
"""

from __future__ import annotations

import difflib
from typing import Any, ClassVar

from engine.kinds import FieldProblem, ReferenceContext
from engine.rules import Rule, RuleContext


class SyncTag(Rule):
    seed: ClassVar[str] = "003"
    kinds: ClassVar[tuple[str, ...]] = ("data_syncs",)

    async def check(self, sync: Any, context: RuleContext) -> None:
        await require_tag(sync.tag, context.refs, field="tag",
                          why="a Data Sync applies one existing tag")


async def require_tag(value: str, refs: ReferenceContext, *, field: str, why: str,
                      any_case: bool = False) -> None:
    """Refuse ``value`` unless it is a declared tag's name or a live tag's (``any_case``: in
    any case), naming the closest declared NAME or live tag. Data Syncs and writeback
    mappings by campaign tag both name tags this way."""
    declared = declared_tags(refs)
    existing = [o.key for o in await refs.live_objects("tags")]
    known = [*declared.values(), *existing]
    if value in known or (any_case and value.casefold() in {k.casefold() for k in known}):
        return
    choices = sorted(set(declared) | set(existing))
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise FieldProblem(field, f"no tag {value!r} is declared under tags or exists in "
                       f"Prospect2{hint}; {why}")


def declared_tags(refs: ReferenceContext) -> dict[str, str]:
    """Each declared tags resource NAME mapped to its Prospect2 tag name."""
    declared: dict[str, str] = {}
    for name in refs.managed_names("tags"):
        tag = refs.desired("tags", name)
        declared[name] = str(getattr(tag, "name", None) or name)
    return declared


def tag_name(value: str, refs: ReferenceContext) -> str:
    """The Prospect2 name of the tag ``value`` means: a tags resource NAME wins, else the
    value is the tag's own name (``SyncTag`` checks that it exists)."""
    return declared_tags(refs).get(value, value)
