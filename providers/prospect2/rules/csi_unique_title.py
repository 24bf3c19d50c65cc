"""Seed 000, step 1: a CSI webhook's title identifies it on the integration dashboard.

Titles are unique among CSI webhooks, and Prospect2 compares them regardless of case, so two
resources whose titles differ only in case are refused, as two addresses for one object, when
the manifests are loaded (``engine.manifests.loader.check_natural_keys``, at ``validate``)::

    csi_webhooks:
      vip-feedback: {title: VIP feedback, ...}
      vip-again:    {title: Vip Feedback, ...}     # refused
      vip-again:    {title: VIP follow-up, ...}    # accepted

A live webhook whose title differs only in case is a warning: it may be this resource's own
webhook being renamed, which Prospect2 allows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from engine.kinds import LiveObject
from engine.rules import Rule, RuleContext

KIND = "csi_webhooks"


class CsiUniqueTitle(Rule):
    seed: ClassVar[str] = "000"
    kinds: ClassVar[tuple[str, ...]] = (KIND,)

    async def check(self, webhook: Any, context: RuleContext) -> None:
        clash = live_case_clash(webhook.title, await context.refs.live_objects(KIND))
        if clash:
            context.warn("title", clash)


def live_case_clash(title: str, live: Iterable[LiveObject]) -> str | None:
    """A warning when a live webhook's title differs from ``title`` only in case."""
    objects = list(live)
    if any(o.key == title for o in objects):
        return None
    for obj in objects:
        if obj.key.casefold() == title.casefold():
            return (f"Prospect2 has a CSI webhook titled {obj.key!r} (id {obj.remote_id}); "
                    "titles are unique regardless of case, so creating this one fails unless "
                    "it is that webhook renamed")
    return None
