"""The Prospect2 account's Tessitura integration settings (``GET /tessitura/account``).

Rules (Part-B kinds need ``tessituraConnected``; ``ignore_contact_permissions`` needs
``contactPermissionsIntegrated``) and sync runs (permissions filter only where integrated)
read them; one read per client serves every handler and port made from it.
"""

from __future__ import annotations

import weakref
from typing import Any

from engine.sync.ports import AccountFacts
from providers.prospect2.client import Prospect2Client

ACCOUNT_PATH = "/tessitura/account"

_READ: weakref.WeakKeyDictionary[Prospect2Client, dict[str, Any]] = weakref.WeakKeyDictionary()


async def account_settings(client: Prospect2Client) -> dict[str, Any]:
    """The account object as Prospect2 answers it, read once per client."""
    if client not in _READ:
        _READ[client] = (await client.get(ACCOUNT_PATH)).get("account") or {}
    return _READ[client]


async def account_facts(client: Prospect2Client) -> AccountFacts:
    settings = await account_settings(client)
    return AccountFacts(
        tessitura_connected=bool(settings.get("tessituraConnected")),
        contact_permissions_integrated=bool(settings.get("contactPermissionsIntegrated")))
