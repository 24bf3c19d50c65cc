"""Every malformed manifest gets one clear message naming file:line and the field.

Each case in tests/manifests/bad/ is one file (or one directory of files); its expected
messages are snapshots beside this test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.errors import ManifestError, ManifestErrors
from engine.manifests.loader import load_manifests
from engine.providers import KindRegistry, provider_classes

BAD = Path(__file__).parent.parent / "manifests" / "bad"
CASES = sorted(p.name for p in BAD.iterdir())


@pytest.fixture(scope="module")
def registry() -> KindRegistry:
    return KindRegistry(provider_classes())


def _case_dir(name: str, tmp_path: Path) -> Path:
    target = tmp_path / "manifests"
    source = BAD / name
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        target.mkdir(parents=True)
        shutil.copy(source, target / source.name)
    return target


@pytest.mark.parametrize("case", CASES)
def test_bad_manifest_message(case: str, tmp_path: Path, registry: KindRegistry,
                              monkeypatch: pytest.MonkeyPatch, snapshot) -> None:
    directory = _case_dir(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises((ManifestError, ManifestErrors)) as info:
        load_manifests(Path("manifests"), registry)
    message = str(info.value)
    assert "manifests/" in message and ":" in message
    assert message == snapshot
    assert list(directory.iterdir())  # the files are left as they were


def test_every_error_names_a_line(tmp_path: Path, registry: KindRegistry,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for case in CASES:
        directory = _case_dir(case, tmp_path / case)
        with pytest.raises((ManifestError, ManifestErrors)) as info:
            load_manifests(directory, registry, display_root=tmp_path / case)
        errors = info.value.errors if isinstance(info.value, ManifestErrors) else [info.value]
        for error in errors:
            assert error.file and error.line, f"{case}: {error} has no file:line"


def test_example_organization_is_valid(registry: KindRegistry) -> None:
    manifests = load_manifests(Path(__file__).parents[2] / "manifests", registry)
    assert "tags.members-active" in manifests.resources
    assert manifests.resources["tags.members-active"].fields["name"] == "Member - Active"
    assert manifests.settings.organization.timezone == "America/Chicago"
