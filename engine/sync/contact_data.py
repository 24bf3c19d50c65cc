"""Contact data a Data Sync carries: output-set values into Prospect2 custom fields.

Seed 003's re-sync exists so that "membership level upgrades or changes in giving amounts …
can properly be re-synced back to the contact record in Prospect2". A sync's ``contact_data``
maps custom fields to columns of the list's output set; each import carries those values.

Pure: Tessitura's values become text once (``value_text``), each value is checked against
its field's type (``fit_value``: dates, the options of a choice field), and a member's carried
values hash to one 64-bit digest (``values_digest``) that ``resync: values`` compares with
the digest state kept from the last time they were sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

#: Field types whose values are chosen among options; listbox and checkbox hold several.
CHOICE_TYPES = frozenset({"dropdown", "radio", "listbox", "checkbox"})
MULTIPLE_TYPES = frozenset({"listbox", "checkbox"})
#: ActiveCampaign's separator of the choices of a multiple-choice value (``||A||B||``).
MULTIPLE_SEPARATOR = "||"

Values = tuple[str | None, ...]


@dataclass(frozen=True)
class CarriedField:
    """One custom field a sync fills: which column feeds it, and what values it takes.

    ``options`` is empty when the field has none defined (then any value is taken)."""

    field_id: str
    perstag: str
    column: str
    type: str = "text"
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValueProblem:
    """A value left out of an import: it does not fit its field (``why`` omits the value, so
    renderers can mask it)."""

    perstag: str
    value: str
    why: str

    def describe(self, *, show_value: bool = True) -> str:
        shown = f" {self.value!r}" if show_value else ""
        return f"{self.perstag}{shown}: {self.why}"


def value_text(raw: Any) -> str | None:
    """A Tessitura value as the text Prospect2 stores: None for NULL, whole numbers without
    a decimal point (``150.0`` -> ``150``), booleans as ``Y``/``N``."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return "Y" if raw else "N"
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    return str(raw).strip()


def _as_date(text: str) -> date | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _as_datetime(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _choice(value: str, options: Sequence[str]) -> str | None:
    wanted = value.casefold()
    return next((option for option in options if option.casefold() == wanted), None)


def fit_value(carried: CarriedField, text: str | None) -> tuple[str | None, ValueProblem | None]:
    """The value to send for ``text`` (``""`` clears the field: the member has none now), or
    None with the reason it does not fit the field's type."""
    if text is None or text == "":
        return "", None
    kind = carried.type
    if kind == "date":
        day = _as_date(text)
        return (day.isoformat(), None) if day else (None, ValueProblem(
            carried.perstag, text, "not a date (YYYY-MM-DD), as a date field needs"))
    if kind == "datetime":
        moment = _as_datetime(text)
        return (moment.isoformat(), None) if moment else (None, ValueProblem(
            carried.perstag, text, "not a date and time (ISO 8601), as a datetime field needs"))
    if kind not in CHOICE_TYPES or not carried.options:
        return text, None
    return _fit_choice(carried, text)


def _fit_choice(carried: CarriedField, text: str) -> tuple[str | None, ValueProblem | None]:
    parts = ([p for p in text.split(MULTIPLE_SEPARATOR) if p.strip()]
             if carried.type in MULTIPLE_TYPES else [text])
    chosen = [_choice(part.strip(), carried.options) for part in parts]
    if any(c is None for c in chosen):
        return None, ValueProblem(carried.perstag, text, (
            f"not one of the {carried.type} field's options "
            f"({', '.join(carried.options)})"))
    if carried.type in MULTIPLE_TYPES:
        return MULTIPLE_SEPARATOR + MULTIPLE_SEPARATOR.join(c for c in chosen if c) + \
            MULTIPLE_SEPARATOR, None
    return chosen[0], None


def carried_values(fields: Sequence[CarriedField], values: Values
                   ) -> tuple[list[str | None], list[ValueProblem]]:
    """What an import sends for one member: each field's fitted value (None: left out) and
    the problems of those left out."""
    sent: list[str | None] = []
    problems: list[ValueProblem] = []
    for carried, text in zip(fields, _padded(values, len(fields)), strict=True):
        value, problem = fit_value(carried, text)
        sent.append(value)
        if problem is not None:
            problems.append(problem)
    return sent, problems


def _padded(values: Values, size: int) -> Values:
    return tuple(values[:size]) + (None,) * (size - len(values))


#: How values are written before hashing (fixed: kept digests were made so); made once, as
#: ``json.dumps`` with options would build an encoder for every member.
_DIGEST_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def values_digest(values: Values) -> int:
    """A member's carried values as one signed 64-bit number (what state keeps per member)."""
    text = _DIGEST_JSON.encode(list(values))
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
