"""Seed 003: eaddress type filters name email types.

A Data Sync filters email addresses, so a non-email electronic address type matches nothing::

    filters: {eaddress_types: [Website]}          # not an email type: refused
    filters: {eaddress_types: [Primary e-mail]}   # accepted
"""

from __future__ import annotations

from engine.kinds import FieldProblem, ReferenceRow


def check(index: int, row: ReferenceRow) -> None:
    if not row.data.get("is_email"):
        raise FieldProblem(f"filters.eaddress_types.{index}", (
            f"electronic address type {row.description!r} (id {row.id}) is not an email "
            "type, so no email address would pass this filter"))
