"""Seed 000, step 4: an activity category that auto-closes creates closed CSIs (a warning).

Nothing is wrong with it, but staff will not see the CSI as open work::

    activity_type: Survey Reply       # category Feedback Received auto-closes: warned
    activity_type: Patron Feedback    # category Customer Service stays open: quiet
"""

from __future__ import annotations


def warning(activity_type: str, category: str, auto_close: bool) -> str | None:
    if not auto_close:
        return None
    return (f"activity type {activity_type!r} is in the category {category!r}, which "
            "auto-closes: CSIs will be created closed")
