"""One ``POST /Custom/Execute`` call: its parameters, read the way Tessitura passes them.

Shared by every emulated procedure of the Callboard pack (``procedures``, ``procedures_contacts``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from providers.tessitura.emulator.wire_errors import TessituraApiError
from providers.tessitura.emulator.wire_time import parse_wire_datetime

if TYPE_CHECKING:
    from providers.tessitura.emulator.world import TessituraWorld

MAX_IDS_PER_CALL = 1_000

Rows = list[dict[str, Any]]


class ProcedureCall:
    """One execution: the world, named parameters, the caller and the clock."""

    def __init__(
        self, world: TessituraWorld, parameters: dict[str, str | None], user: str, now: datetime
    ) -> None:
        self.world = world
        self.parameters = parameters
        self.user = user
        self.now = now

    def text(self, name: str, *, required: bool = True) -> str | None:
        value = self.parameters.get(name)
        if value is None or value == "":
            if required:
                raise TessituraApiError(400, f"Parameter {name} is required.", error_path=name)
            return None
        return value

    def integer(self, name: str) -> int:
        value = self.text(name)
        try:
            return int(str(value))
        except ValueError:
            raise TessituraApiError(
                400, f"Parameter {name} must be an integer.", error_path=name
            ) from None

    def id_list(self, name: str) -> list[int]:
        """A CSV of constituent ids, at most ``MAX_IDS_PER_CALL``, de-duplicated, in order."""
        raw = self.text(name, required=False) or ""
        try:
            ids = sorted({int(part) for part in raw.split(",") if part.strip()})
        except ValueError:
            raise TessituraApiError(
                400, f"Parameter {name} must be a comma-separated list of integers.",
                error_path=name,
            ) from None  # fmt: skip
        _at_most_a_batch(name, len(ids), "ids")
        return ids

    def text_list(self, name: str) -> list[str]:
        """A required CSV of text (email addresses), trimmed, de-duplicated without case."""
        raw = self.text(name) or ""
        found: dict[str, str] = {}
        for part in raw.split(","):
            if part.strip():
                found.setdefault(part.strip().casefold(), part.strip())
        if not found:
            raise TessituraApiError(400, f"Parameter {name} is required.", error_path=name)
        _at_most_a_batch(name, len(found), "values")
        return list(found.values())

    def moment(self, name: str, *, default: datetime | None = None) -> datetime:
        value = self.text(name, required=default is None)
        if value is None and default is not None:
            return default
        try:
            return parse_wire_datetime(str(value))
        except ValueError:
            raise TessituraApiError(
                400, f"Parameter {name} must be a date-time.", error_path=name
            ) from None


def _at_most_a_batch(name: str, count: int, what: str) -> None:
    if count > MAX_IDS_PER_CALL:
        raise TessituraApiError(
            400, f"Parameter {name} has {count} {what}; at most {MAX_IDS_PER_CALL} per call.",
            error_path=name)  # fmt: skip


def read_parameters(body: dict[str, Any]) -> dict[str, str | None]:
    """``ParameterValues`` (preferred) or the ``Parameters`` string ``@a=1&@b=2``."""
    found: dict[str, str | None] = {}
    for name, value in parse_qsl(str(body.get("Parameters") or ""), keep_blank_values=True):
        found[_canonical(name)] = value
    for item in body.get("ParameterValues") or []:
        if isinstance(item, dict) and item.get("Name"):
            value = item.get("Value")
            found[_canonical(str(item["Name"]))] = None if value is None else str(value)
    return found


def _canonical(name: str) -> str:
    name = name.strip().lower()
    return name if name.startswith("@") else f"@{name}"


def without_nulls(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if value is not None}
