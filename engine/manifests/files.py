"""Which files make up a manifest tree, and a digest of them.

One list serves the loader and the digest a saved plan records, so ``apply PLANFILE`` can tell
that the manifests it was made from are the ones in the working tree (spec §3).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

SETTINGS_FILE = "callboard.yaml"


def manifest_files(directory: Path) -> list[Path]:
    """The manifest files of ``directory``, in the order the loader reads them."""
    files = sorted(p for p in directory.glob("*.yaml") if p.name != SETTINGS_FILE)
    return files + sorted(directory.glob("*.yml"))


def settings_file(directory: Path) -> Path | None:
    """The ``callboard.yaml`` that applies to ``directory``, if there is one."""
    path = directory / SETTINGS_FILE
    return path if path.exists() else None


def manifest_digest(directory: Path) -> str:
    """SHA-256 over every manifest file (by its path inside the tree) and the settings.

    Paths are relative and use ``/``, so the same tree checked out anywhere has one digest.
    """
    digest = hashlib.sha256()
    entries = [(p.relative_to(directory).as_posix(), p) for p in manifest_files(directory)]
    settings = settings_file(directory)
    if settings is not None:
        entries.append((f"settings:{SETTINGS_FILE}", settings))
    for name, path in sorted(entries):
        data = path.read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()
