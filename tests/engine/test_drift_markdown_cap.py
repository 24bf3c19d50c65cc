"""Drift markdown is capped like plan markdown: counts first, rows while they fit, a note."""

from __future__ import annotations

from engine.drift import detect_drift
from engine.kinds import LiveObject, ResourceSpec
from engine.plan.model import FieldDiff
from engine.render.markdown import MAX_CHARS, drift_markdown
from engine.state.base import ResourceRecord


class TagFields(ResourceSpec):
    """The two tag fields this report shows (drift renders plain fields only)."""

    name: str = ""
    description: str = ""


def live_object(kind: str, remote_id: str, key: str, fields: dict[str, str]) -> LiveObject:
    return LiveObject(kind, remote_id, key, TagFields(**fields))


def _report(unmanaged: int):  # noqa: ANN202
    live = [live_object("tags", str(100 + n), f"Spring Promo {n:04d}", {"name": f"{n}"})
            for n in range(unmanaged)]
    live.append(live_object("tags", "5", "Member - Active",
                            {"name": "Member - Active", "description": "Edited by hand"}))
    state = {"tags.members-active": ResourceRecord("tags.members-active", "tags",
                                                   "members-active", "5",
                                                   {"name": "Member - Active",
                                                    "description": "Current members"}),
             "tags.gone": ResourceRecord("tags.gone", "tags", "gone", "6", {})}
    return detect_drift({"tags": live}, state, {"tags"}, ["tags.Spring Promo 000*"])


def test_2000_unmanaged_objects_stay_under_the_limit_with_changes_first() -> None:
    report = _report(2_000)
    body = drift_markdown(report)
    assert len(body) < MAX_CHARS
    lines = body.splitlines()
    assert lines[1] == "### Callboard drift: 1 changed, 1 deleted, 1990 unmanaged, 10 ignored"
    assert lines[5:7] == ["| `tags.gone` | deleted |  |",
                          "| `tags.members-active` | changed | `description` |"]
    assert body.rstrip().endswith("for the full report._")


def test_the_capped_rendering(snapshot) -> None:
    assert drift_markdown(_report(40), max_chars=1_200) == snapshot


def test_a_report_that_fits_is_whole() -> None:
    report = _report(5)
    body = drift_markdown(report)
    assert "Truncated" not in body
    assert body.count("\n| `") == len(report.items)
    assert report.items[0].diffs == [] and report.items[1].diffs == [
        FieldDiff("description", "Current members", "Edited by hand")]
