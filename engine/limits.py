"""Text a service stores: at most so many characters, and no leading or trailing blanks.

A name over a service's limit is refused by it at apply (Prospect2's 422, after other changes
went through), and one with a blank at either end is trimmed by it, so every plan shows the
same update again. Both are caught where the value is written, with file:line, by ``validate``.
Kinds declare their fields as ``Text(255, "Prospect2")`` (the limits are the providers'
knowledge; the check is the engine's).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, WithJsonSchema

#: Why blanks at either end are refused, said once.
_WHY_BLANKS = (" (blanks at either end are refused: a service that trims them would leave a "
               "plan showing the same change for ever)")


def text_problem(value: str, max_length: int, service: str) -> str | None:
    """Why ``service`` cannot hold ``value`` as written (None: it can)."""
    if value[:1].isspace():
        return f"starts with a blank ({_shown(value)}): remove it{_WHY_BLANKS}"
    if value.endswith("\n"):
        return ("ends with a line break: a YAML block written with | or > keeps one; write "
                "|- or >- to leave it out")
    if value[-1:].isspace():
        return f"ends with a blank ({_shown(value)}): remove it{_WHY_BLANKS}"
    if len(value) > max_length:
        return f"is {len(value):,} characters long; {service} keeps at most {max_length:,}"
    return None


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else f"{value[:18]}…{value[-18:]}")


def Text(max_length: int, service: str) -> Any:  # noqa: N802 - used as a type
    """A string field ``service`` stores at most ``max_length`` characters of, unpadded."""
    def check(value: str) -> str:
        problem = text_problem(value, max_length, service)
        if problem:
            raise ValueError(problem)
        return value
    return Annotated[str, AfterValidator(check),
                     WithJsonSchema({"type": "string", "maxLength": max_length})]
