"""How much text Prospect2 keeps, by field (checked at ``validate``: ``engine.limits.Text``).

ActiveCampaign's OpenAPI description gives no maxLength for any of these; the numbers are the
columns behind them as the API refuses longer values (422 "… is longer than N characters"),
which the emulator enforces the same way.
"""

from __future__ import annotations

from engine.limits import Text

SERVICE = "Prospect2"
#: Tag names, custom field titles, CSI webhook titles, Data Sync and writeback names, globs.
NAME_LENGTH = 255
#: Tag, CSI webhook and Data Sync descriptions.
DESCRIPTION_LENGTH = 1000
#: A custom field's description and default value.
FIELD_TEXT_LENGTH = 4000

Name = Text(NAME_LENGTH, SERVICE)
Description = Text(DESCRIPTION_LENGTH, SERVICE)
FieldText = Text(FIELD_TEXT_LENGTH, SERVICE)
