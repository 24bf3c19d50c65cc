"""Seed 003: trigger webhooks update the tag's integrated Contact Point Purpose.

"Selecting this option will trigger webhooks that will update integrated Contact Point
Purposes on email addresses in Tessitura." With no purpose on the tag there is nothing to
update, and the option would be dropped silently::

    tags: {members-active: {name: Member - Active}}
    data_syncs: {members: {tag: members-active, trigger_webhooks: true}}    # refused

    tags: {members-active: {name: Member - Active, contact_point_purpose: Member Updates}}
    data_syncs: {members: {tag: members-active, trigger_webhooks: true}}    # accepted
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.kinds import FieldProblem
from engine.rules import Rule, RuleContext


class SyncTriggerWebhooks(Rule):
    seed: ClassVar[str] = "003"
    kinds: ClassVar[tuple[str, ...]] = ("data_syncs",)

    async def check(self, sync: Any, context: RuleContext) -> None:
        if not sync.trigger_webhooks:
            return
        refs = context.refs
        declared = [refs.desired("tags", n) for n in refs.managed_names("tags")]
        tag = next((t for t in declared if t is not None and t.name == sync.tag), None)
        if tag is None:  # not declared: the tag as it lives in Prospect2
            live = next((o for o in await refs.live_objects("tags") if o.key == sync.tag), None)
            tag = live.value if live is not None else None
        if tag is None or getattr(tag, "contact_point_purpose", None) is None:
            raise FieldProblem("trigger_webhooks", (
                f"trigger_webhooks updates the tag's Contact Point Purpose in Tessitura, and "
                f"the tag {sync.tag!r} has none: give the tag a contact_point_purpose (an "
                "Email Address purpose), or set trigger_webhooks: false"))
