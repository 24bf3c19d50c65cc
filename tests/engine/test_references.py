"""References by NAME are checked when manifests load."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import ManifestErrors
from engine.manifests.loader import load_manifests
from engine.providers import KindRegistry
from tests.engine.fake_kinds import FakeProvider


def test_dangling_reference_names_file_line_and_candidates(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "labels:\n  members: {name: Members}\nlinks:\n  one:\n    note: x\n    label: member\n")
    with pytest.raises(ManifestErrors) as info:
        load_manifests(tmp_path, KindRegistry([FakeProvider]), display_root=tmp_path)
    assert str(info.value) == ("m.yaml:6: links.one.label: refers to labels.member, which no "
                               "manifest declares (did you mean 'members'?)")


def test_reference_to_declared_resource_loads(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "labels:\n  members: {name: Members}\nlinks:\n  one: {label: members}\n")
    manifests = load_manifests(tmp_path, KindRegistry([FakeProvider]))
    assert manifests.resources["links.one"].fields == {"label": "members", "note": "",
                                                       "size": 1}


def test_registry_orders_dependencies_first() -> None:
    assert KindRegistry([FakeProvider]).order() == ["labels", "links"]
