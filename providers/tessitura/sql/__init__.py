"""The Callboard procedure pack: T-SQL the Tessitura administrator installs (see INSTALL.md).

Shipped as package data so the installed tool can hand the scripts out; the Tessitura
emulator implements the same procedures in ``providers.tessitura.emulator.procedures``.
"""

from __future__ import annotations

from pathlib import Path

PACK_VERSION = "1.1.0"
PACK_DIRECTORY = Path(__file__).parent


def procedure_pack_scripts() -> list[Path]:
    """The ``.sql`` files in the order they must run (their names sort that way)."""
    return sorted(PACK_DIRECTORY.glob("*.sql"))
