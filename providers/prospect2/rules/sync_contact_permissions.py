"""Seed 003: "Ignore Contact Permissions" exists only where the account uses them.

The option is offered only in accounts integrated with Tessitura's Contact Permissions
(``GET /tessitura/account`` → ``contactPermissionsIntegrated``)::

    filters: {ignore_contact_permissions: true}    # account not integrated: refused
    filters: {ignore_contact_permissions: false}   # accepted everywhere
"""

from __future__ import annotations

from engine.kinds import FieldProblem


def check(ignore_contact_permissions: bool, integrated: bool) -> None:
    if ignore_contact_permissions and not integrated:
        raise FieldProblem("filters.ignore_contact_permissions", (
            "ignore_contact_permissions needs a Prospect2 account integrated with Tessitura "
            "Contact Permissions, and this account is not"))
