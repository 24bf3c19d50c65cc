"""Seed 002: a campaign writeback's appeal, source group and media type exist in Tessitura.

Not a rule class: the three fields are references to Tessitura reference data, and a
reference that names no row (or several) is refused when the plan resolves it, with the
candidates, like every reference. Appeal and source group are required (the model refuses a
missing one); the media type defaults to "7: E-mail" and accepts the form the campaign's
Tessitura tab shows::

    appeal: FY28 Subscriptions     # no such appeal: refused, with the candidates
    appeal: FY27 Subscriptions     # accepted
    media_type: "7: E-mail"        # the UI form: accepted
"""

from __future__ import annotations

#: field -> (reference table, what the user calls it, whether the UI form "7: E-mail" is valid)
CODES: dict[str, tuple[str, str, bool]] = {
    "appeal": ("tessitura.appeals", "appeal", False),
    "source_group": ("tessitura.source_groups", "source group", False),
    "media_type": ("tessitura.media_types", "media type", True),
}
DEFAULT_MEDIA_TYPE = "7: E-mail"
