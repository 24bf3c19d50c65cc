"""``generate`` writes manifests only; the next plan adopts them and apply records them.

A user with live objects nobody manages runs ``generate``, reviews the new files, plans (only
``<=`` adopts), applies, and is left with nothing to do. Nothing enters state before apply, no
file of theirs is overwritten, and objects ``drift.ignore`` matches or the manifests already
declare (not yet applied, by NAME or natural key) are left out.
"""

from __future__ import annotations

import json

from tests.cli.conftest import Sandbox

#: The example's drift.ignore lines for the objects these tests want generated.
UNIGNORED = ('"tags.VIP"', '"tags.Gala 20* Attendee"', '"custom_fields.PERFDATA__*"')


def _stop_ignoring(sandbox: Sandbox) -> None:
    settings = sandbox.manifests / "callboard.yaml"
    lines = settings.read_text().splitlines(keepends=True)
    settings.write_text("".join(line for line in lines if not any(u in line for u in UNIGNORED)))


def _plan(sandbox: Sandbox) -> dict:
    result = sandbox.run("plan", "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def _state(sandbox: Sandbox) -> dict[str, str]:
    return dict(line.split("\t") for line in sandbox.run("state", "list").out.splitlines())


def _live_tag_names(sandbox: Sandbox) -> list[str]:
    return sorted(t["tag"] for t in sandbox.api("GET", "/api/3/tags?limit=100").json()["tags"])


def test_generate_then_plan_adopts_then_apply_leaves_nothing_to_do(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    _stop_ignoring(sandbox)
    before, tags_before = _state(sandbox), _live_tag_names(sandbox)

    generated = sandbox.run("generate")
    assert generated.code == 0, generated.err
    assert "Wrote manifests/generated_tags.yaml (2 objects)" in generated.out
    assert "Wrote manifests/generated_custom_fields.yaml (1 object)" in generated.out
    assert "Nothing is in state yet" in generated.out
    assert _state(sandbox) == before  # files only

    plan = _plan(sandbox)
    assert {(c["address"], c["action"]) for c in plan["changes"]} == {
        ("tags.vip", "adopt"), ("tags.gala-2024-attendee", "adopt"),
        ("custom_fields.perfdata-perf-no", "adopt")}
    assert sandbox.run("apply", "--auto-approve").code == 0
    after = _state(sandbox)
    assert after["tags.vip"] == sandbox.tag_id("VIP")
    assert set(after) - set(before) == {"tags.vip", "tags.gala-2024-attendee",
                                        "custom_fields.perfdata-perf-no"}
    assert _live_tag_names(sandbox) == tags_before  # adopted, never created again
    assert sandbox.run("plan", "--detailed-exitcode").code == 0
    assert sandbox.run("drift").code == 0
    again = sandbox.run("generate")
    assert "nothing written" in again.out
    assert sorted(p.name for p in sandbox.manifests.glob("generated_*")) == [
        "generated_custom_fields.yaml", "generated_tags.yaml"]


def test_generate_leaves_out_what_drift_ignore_matches(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    result = sandbox.run("generate")
    assert result.code == 0, result.err
    assert "nothing written" in result.out
    assert "Left out: 10 objects matched by drift.ignore." in result.out
    assert not list(sandbox.manifests.glob("generated_*"))


def test_generate_before_the_first_apply_skips_what_the_manifests_declare(
        sandbox: Sandbox) -> None:
    """The example declares the live tag Newsletter (not in state yet): generating it too
    would give one object two addresses, so the next plan would create one and destroy the
    other."""
    _stop_ignoring(sandbox)
    result = sandbox.run("generate", "--kind", "tags")
    assert result.code == 0, result.err
    text = (sandbox.manifests / "generated_tags.yaml").read_text()
    assert "VIP" in text and "Newsletter" not in text
    assert "Left out: 1 object already declared" in result.out
    assert sandbox.run("state", "list").out == ""
    plan = _plan(sandbox)
    newsletter = [c for c in plan["changes"] if c["before"] and
                  c["before"].get("name") == "Newsletter"]
    assert [(c["address"], c["action"]) for c in newsletter] == [("tags.newsletter", "adopt")]
    assert plan["summary"]["delete"] == 0
    assert sandbox.run("apply", "--auto-approve").code == 0
    assert sandbox.run("plan", "--detailed-exitcode").code == 0


def test_an_object_declared_under_another_name_is_not_generated(sandbox: Sandbox) -> None:
    _stop_ignoring(sandbox)
    (sandbox.manifests / "patrons.yaml").write_text(
        "tags:\n  very-important:\n    name: VIP\n    description: Very important patrons\n")
    sandbox.run("generate", "--kind", "tags")
    assert "VIP" not in (sandbox.manifests / "generated_tags.yaml").read_text()
    plan = _plan(sandbox)
    vip = [c for c in plan["changes"] if c["remote_id"] == sandbox.tag_id("VIP")]
    assert [(c["address"], c["action"]) for c in vip] == [("tags.very-important", "adopt")]


def test_generate_never_overwrites_a_file(sandbox: Sandbox) -> None:
    _stop_ignoring(sandbox)
    mine = sandbox.manifests / "generated_tags.yaml"
    mine.write_text("# my own notes, kept under this name\n")
    result = sandbox.run("generate", "--kind", "tags")
    assert result.code == 0, result.err
    assert "Wrote manifests/generated_tags_2.yaml" in result.out
    assert mine.read_text() == "# my own notes, kept under this name\n"
    assert "VIP" in (sandbox.manifests / "generated_tags_2.yaml").read_text()


def test_generate_out_elsewhere_changes_nothing_the_plan_sees(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    _stop_ignoring(sandbox)
    result = sandbox.run("generate", "--out", "review")
    assert result.code == 0, result.err
    assert "Wrote review/generated_tags.yaml" in result.out
    assert "Move the files into manifests" in result.out
    assert sandbox.run("plan", "--detailed-exitcode").code == 0
    for path in (sandbox.root / "review").iterdir():
        path.rename(sandbox.manifests / path.name)
    assert {c["action"] for c in _plan(sandbox)["changes"]} == {"adopt"}


def test_generate_out_twice_writes_each_object_once(sandbox: Sandbox) -> None:
    """The files a first ``--out review`` wrote are not in the manifests yet; a second run
    reads them, so moving every file in afterwards declares each object once."""
    assert sandbox.run("apply", "--auto-approve").code == 0
    _stop_ignoring(sandbox)
    assert sandbox.run("generate", "--out", "review").code == 0
    review = sandbox.root / "review"
    first = {p.name: p.read_text() for p in review.iterdir()}

    again = sandbox.run("generate", "--out", "review")
    assert again.code == 0, again.err
    assert again.out.splitlines()[:3] == [
        "Read 2 files an earlier 'generate --out review' wrote: their objects count as "
        "declared.",
        "Every live object of these kinds is managed or declared already; nothing written.",
        "Left out: 3 objects already declared, 7 objects matched by drift.ignore."]
    assert {p.name: p.read_text() for p in review.iterdir()} == first

    sandbox.api("POST", "/api/3/tags", {"tag": {"tag": "Made by hand", "tagType": "contact"}})
    third = sandbox.run("generate", "--out", "review", "--kind", "tags")
    assert "Wrote review/generated_tags_2.yaml (1 object)" in third.out
    assert "made-by-hand:" in (review / "generated_tags_2.yaml").read_text()
    for path in review.iterdir():
        path.rename(sandbox.manifests / path.name)
    assert sandbox.run("validate").code == 0
    assert sorted(c["address"] for c in _plan(sandbox)["changes"]) == [
        "custom_fields.perfdata-perf-no", "tags.gala-2024-attendee", "tags.made-by-hand",
        "tags.vip"]


def test_a_broken_earlier_generated_file_stops_generate_before_it_writes(
        sandbox: Sandbox) -> None:
    review = sandbox.root / "review"
    review.mkdir()
    (review / "generated_tags.yaml").write_text("tags:\n  vip: {nmae: VIP}\n")
    result = sandbox.run("generate", "--out", "review")
    assert result.code == 1
    assert "review/generated_tags.yaml:2: tags.vip" in result.err and "nmae" in result.err
    assert [p.name for p in review.iterdir()] == ["generated_tags.yaml"]


def test_an_unknown_kind_is_refused(sandbox: Sandbox) -> None:
    result = sandbox.run("generate", "--kind", "tag")
    assert result.code == 1 and "unknown kind 'tag'" in result.err
    assert not list(sandbox.manifests.glob("generated_*"))


def test_import_adopts_one_object_into_a_declared_address(sandbox: Sandbox) -> None:
    vip = sandbox.tag_id("VIP")
    (sandbox.manifests / "vip.yaml").write_text(
        "tags: {vip: {name: VIP, description: Very important patrons}}\n")
    result = sandbox.run("import", "tags.vip", vip)
    assert result.code == 0, result.err
    assert _state(sandbox) == {"tags.vip": vip}
    plan = _plan(sandbox)
    assert "tags.vip" not in {c["address"] for c in plan["changes"]}


def test_import_refuses_an_object_another_address_declares(sandbox: Sandbox) -> None:
    """tags.newsletter declares the live tag Newsletter: importing it as tags.vip would make
    the next plan create a second Newsletter for tags.newsletter."""
    newsletter = sandbox.tag_id("Newsletter")
    (sandbox.manifests / "vip.yaml").write_text("tags: {vip: {name: VIP}}\n")
    refused = sandbox.run("import", "tags.vip", newsletter)
    assert refused.code == 1
    assert (f"tags object {newsletter} is 'Newsletter', which tags.newsletter declares: import "
            "it as tags.newsletter") in refused.err
    assert sandbox.run("state", "list").out == ""
    assert sandbox.run("import", "tags.newsletter", newsletter).code == 0
