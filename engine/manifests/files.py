"""Which files make up a manifest tree, which ``callboard.yaml`` applies, and a digest of them.

One list serves the loader and the digest a saved plan records, so ``apply PLANFILE`` can tell
that the manifests it was made from are the ones in the working tree (spec §3).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from engine.errors import ManifestError

SETTINGS_FILE = "callboard.yaml"
#: The name a newcomer writes instead (manifests may end in .yml): refused, never ignored.
MISNAMED_SETTINGS = "callboard.yml"
MISNAMED_MESSAGE = f"settings are read from {SETTINGS_FILE}, not {MISNAMED_SETTINGS}: rename it"
MANIFEST_SUFFIXES = (".yaml", ".yml")


def _walk(directory: Path, seen: set[Path]) -> Iterator[Path]:
    """Manifest files under ``directory``, folders (and linked folders) included.

    A folder that cannot be read is an error, never skipped: its resources would look deleted.
    Names starting with a dot (.git, .github, .callboard) are not manifests.
    """
    real = directory.resolve()
    if real in seen:  # a link back to a folder already read
        return
    seen.add(real)
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError as exc:
        raise ManifestError(f"cannot read this manifest folder: {exc.strerror or exc}",
                            file=str(directory)) from exc
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if entry.is_symlink() and not path.exists():
            raise ManifestError("this link in the manifest folder points at nothing: fix or "
                                "remove it", file=str(path))
        if entry.is_dir():
            yield from _walk(path, seen)
        elif entry.name.endswith(MANIFEST_SUFFIXES):
            yield path


def manifest_files(directory: Path) -> list[Path]:
    """The manifest files of ``directory`` and its subfolders, by path, in the order the
    loader reads them (the settings file beside them is not a manifest)."""
    if not directory.is_dir():
        return []
    beside = (directory / SETTINGS_FILE, directory / MISNAMED_SETTINGS)
    files = [p for p in _walk(directory, set()) if p not in beside]
    return sorted(files, key=lambda p: p.relative_to(directory).as_posix())


def settings_file(directory: Path, cwd: Path | None = None) -> Path | None:
    """The ``callboard.yaml`` that applies: beside the manifests, or in the current directory
    (a repository's root). Both present is an error, so no setting is silently ignored."""
    found: list[Path] = []
    here = cwd / SETTINGS_FILE if cwd else Path(SETTINGS_FILE)
    for misnamed in (directory / MISNAMED_SETTINGS, here.with_name(MISNAMED_SETTINGS)):
        if misnamed.is_file():
            raise ManifestError(MISNAMED_MESSAGE, file=str(misnamed), line=1)
    for candidate in (directory / SETTINGS_FILE, here):
        if candidate.is_file() and all(candidate.resolve() != f.resolve() for f in found):
            found.append(candidate)
    if len(found) > 1:
        raise ManifestError(f"there are two settings files, {found[0]} and {found[1]}: keep "
                            "one (Callboard reads callboard.yaml beside the manifests or in the "
                            "current directory)")
    return found[0] if found else None


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
