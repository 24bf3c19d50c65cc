"""State written before a kind gained a field (a custom field's options and lists) is not
drift: there is no applied value to differ from. A recorded field still is."""

from __future__ import annotations

from engine.drift import detect_drift
from engine.kinds import LiveObject, ResourceSpec
from engine.state.base import ResourceRecord


class FieldModel(ResourceSpec):
    title: str = ""
    options: list[str] = []


def test_a_field_the_record_lacks_is_not_drift_until_it_is_recorded() -> None:
    live = {"custom_fields": [LiveObject("custom_fields", "5", "LEVEL",
                                         FieldModel(title="Level", options=["Gold"]))]}
    older = {"custom_fields.level": ResourceRecord(
        "custom_fields.level", "custom_fields", "level", "5", {"title": "Level"})}
    assert detect_drift(live, older, {"custom_fields"}, []).items == []
    recorded = {"custom_fields.level": ResourceRecord(
        "custom_fields.level", "custom_fields", "level", "5",
        {"title": "Level", "options": []})}
    [item] = detect_drift(live, recorded, {"custom_fields"}, []).items
    assert [(d.field, d.before, d.after) for d in item.diffs] == [("options", [], ["Gold"])]
