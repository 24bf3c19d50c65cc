"""Seed 003: a sync's notification addresses get a summary of each run; Callboard sends it over
SMTP (spec §4, ``CALLBOARD_SMTP_URL``). Where that is not set no summary would ever be sent,
so the plan warns (a warning: the machine that runs the syncs may be configured otherwise);
so it does where the URL is set but no run could send through it (a typo in an option)::

    notify: [ops@example.org]     # CALLBOARD_SMTP_URL not set: warned
    notify: [ops@example.org]     # CALLBOARD_SMTP_URL=smtp://mail.example.org?tls=1: warned
    notify: [ops@example.org]     # CALLBOARD_SMTP_URL=smtp://mail.example.org: accepted
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.errors import CallboardError
from engine.rules import Rule, RuleContext
from engine.sync.notify import SMTP_URL_ENV, smtp_settings
from engine.words import plural


class SyncNotifySmtp(Rule):
    seed: ClassVar[str] = "003"
    kinds: ClassVar[tuple[str, ...]] = ("data_syncs",)

    async def check(self, sync: Any, context: RuleContext) -> None:
        if not sync.notify:
            return
        listed = plural(len(sync.notify), 'address', 'addresses')
        url = context.env.get(SMTP_URL_ENV)
        if not url:
            context.warn("notify", (
                f"notify lists {listed} but {SMTP_URL_ENV} is not set, so no run summary "
                "will be sent: set it where 'callboard sync run' runs"))
            return
        try:
            smtp_settings(url)  # says what is wrong without the password
        except CallboardError as exc:
            context.warn("notify", f"notify lists {listed} but no run summary can be sent: "
                                   f"{exc}")
