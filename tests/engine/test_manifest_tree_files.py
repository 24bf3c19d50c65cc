"""The manifest file list and digest: one place, every folder, nothing skipped quietly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.errors import ManifestError
from engine.manifests.files import manifest_digest, manifest_files, settings_file


def _tree(root: Path) -> Path:
    manifests = root / "manifests"
    for name in ("a.yaml", "sub/b.yaml", "sub/deeper/c.yml", ".hidden/d.yaml", "notes.txt",
                 "callboard.yaml"):
        (manifests / name).parent.mkdir(parents=True, exist_ok=True)
        (manifests / name).write_text(f"# {name}\n")
    return manifests


def test_every_folder_is_listed_by_path_and_hidden_ones_are_not(tmp_path: Path) -> None:
    manifests = _tree(tmp_path)
    names = [p.relative_to(manifests).as_posix() for p in manifest_files(manifests)]
    assert names == ["a.yaml", "sub/b.yaml", "sub/deeper/c.yml"]


def test_the_digest_covers_files_in_folders(tmp_path: Path) -> None:
    manifests = _tree(tmp_path)
    before = manifest_digest(manifests)
    (manifests / "sub" / "deeper" / "c.yml").write_text("# changed\n")
    assert manifest_digest(manifests) != before


def test_the_digest_does_not_depend_on_where_the_tree_is(tmp_path: Path) -> None:
    one, two = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    assert manifest_digest(one) == manifest_digest(two)


def test_a_folder_that_cannot_be_read_is_an_error(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    manifests = _tree(tmp_path)
    real_scandir = os.scandir

    def scandir(path):  # noqa: ANN001, ANN202 - os.scandir's shape
        if Path(path).name == "sub":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(ManifestError, match="cannot read this manifest folder: Permission denied"):
        manifest_files(manifests)


def test_a_linked_folder_is_read_once_even_in_a_loop(tmp_path: Path) -> None:
    manifests = _tree(tmp_path)
    (manifests / "sub" / "back").symlink_to(manifests)
    names = [p.relative_to(manifests).as_posix() for p in manifest_files(manifests)]
    assert names == ["a.yaml", "sub/b.yaml", "sub/deeper/c.yml"]


def test_settings_beside_the_manifests_or_in_the_current_directory(tmp_path: Path) -> None:
    manifests = _tree(tmp_path)
    assert settings_file(manifests, cwd=tmp_path) == manifests / "callboard.yaml"
    (manifests / "callboard.yaml").rename(tmp_path / "callboard.yaml")
    assert settings_file(manifests, cwd=tmp_path) == tmp_path / "callboard.yaml"
    (tmp_path / "callboard.yaml").unlink()
    assert settings_file(manifests, cwd=tmp_path) is None


def test_the_same_settings_file_found_twice_is_one(tmp_path: Path) -> None:
    manifests = _tree(tmp_path)
    assert settings_file(manifests, cwd=manifests) == manifests / "callboard.yaml"
