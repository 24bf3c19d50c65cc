"""The Prospect2 account's Tessitura settings, as ``POST /_emulator/account`` changes them.

Tests and demos use it to try accounts unlike the seeded one (not connected to Tessitura, or
not integrated with Contact Permissions). The settings must stay coherent, because a real
account cannot be integrated without naming the permission type, nor name one without being
integrated; the host makes Tessitura's ``P2ContactPermissionTypeId`` follow them.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt

from providers.prospect2.emulator.world import Prospect2World

SETTINGS = ("tessituraConnected", "contactPermissionsIntegrated", "contactPermissionTypeId")


class AccountSettingsBody(BaseModel):
    """Body of ``POST /_emulator/account``: any subset of the three settings."""

    model_config = ConfigDict(extra="forbid")
    tessituraConnected: StrictBool | None = None  # noqa: N815 - the wire names
    contactPermissionsIntegrated: StrictBool | None = None  # noqa: N815
    contactPermissionTypeId: StrictInt | None = None  # noqa: N815

    def changes(self) -> dict[str, Any]:
        """Only the settings the body named (``contactPermissionTypeId: null`` included)."""
        return {name: getattr(self, name) for name in SETTINGS if name in self.model_fields_set}


def account_settings(world: Prospect2World) -> dict[str, Any]:
    """The answer of ``/_emulator/account``: the settings now in force."""
    return {name: world.account.get(name) for name in SETTINGS}


def integrated_permission_type(world: Prospect2World) -> int | None:
    """The permission type Tessitura's ``P2ContactPermissionTypeId`` should hold."""
    account = world.account
    return account.get("contactPermissionTypeId") if account.get(
        "contactPermissionsIntegrated") else None


def change_account_settings(world: Prospect2World, changes: dict[str, Any],
                            permission_types: Collection[int]) -> dict[str, Any]:
    """Apply ``changes`` or, when they leave the account incoherent, raise ValueError."""
    for name in ("tessituraConnected", "contactPermissionsIntegrated"):
        if name in changes and changes[name] is None:
            raise ValueError(f"{name} must be true or false")
    merged = {**account_settings(world), **changes}
    leaving = changes.get("contactPermissionsIntegrated") is False
    if leaving and "contactPermissionTypeId" not in changes:
        merged["contactPermissionTypeId"] = None  # the integration's type goes with it
    type_id = merged["contactPermissionTypeId"]
    if merged["contactPermissionsIntegrated"]:
        if type_id is None:
            raise ValueError("an account integrated with Contact Permissions names the "
                             "permission type it integrates: give contactPermissionTypeId")
        if type_id not in permission_types:
            known = ", ".join(str(t) for t in sorted(permission_types)) or "none"
            raise ValueError(f"Tessitura has no contact permission type {type_id} "
                             f"(it has {known})")
    elif type_id is not None:
        raise ValueError("contactPermissionTypeId is the integrated permission type: set "
                         "contactPermissionsIntegrated to true with it, or give null")
    world.account.update(merged)
    return account_settings(world)
