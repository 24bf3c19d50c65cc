"""Spec §2: custom field options and lists, each rule with a refused and an accepted manifest,
planned through the real loader and planner against the in-process emulators."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.rule_support import warnings_of, workspace

pytestmark = pytest.mark.anyio

LEVELS = """custom_fields:
  level:
    title: Membership Level
    type: {type}
    options: [{options}]
"""


async def test_options_on_a_field_that_takes_none_are_refused(tmp_path: Path) -> None:
    async with workspace(tmp_path) as ws:
        ws.use_case("custom_field_options.bad")
        assert await ws.refused() == (
            "manifests/custom_field_options.bad.yaml:5: custom_fields.seat-band.options: a "
            "text field takes no options; options belong to dropdown, listbox, radio and "
            "checkbox fields")


async def test_choice_fields_take_options_and_one_without_is_warned(tmp_path: Path) -> None:
    async with workspace(tmp_path) as ws:
        ws.use_case("custom_field_options.good")
        plan = await ws.plan()
    assert sorted(c.address for c in plan.changes if c.action == "create") == [
        "custom_fields.interests", "custom_fields.seat-band", "custom_fields.tier"]
    assert warnings_of(plan) == [
        "manifests/custom_field_options.good.yaml:13: custom_fields.tier: a dropdown field "
        "with no options offers no choice: list them under options"]


async def test_list_names_resolve_against_the_accounts_lists(tmp_path: Path) -> None:
    async with workspace(tmp_path) as ws:
        ws.use_case("custom_field_lists.bad")
        assert await ws.refused() == (
            "manifests/custom_field_lists.bad.yaml:7: custom_fields.seat-band.lists.1: no "
            "Prospect2 list is described 'Lakeside Newsleter' (did you mean 'Lakeside "
            "Newsletter'?); candidates: 'Lakeside Newsletter' (id 1), 'Season Announcements' "
            "(id 2)")
        for stringid in ("members", "members-2026"):
            made = await ws.api("POST", "/lists", {"list": {
                "name": "Members", "stringid": stringid, "sender_url": "https://x.org",
                "sender_reminder": "You joined."}})
            assert made.status_code == 200
        ws.use_case("custom_field_lists_ambiguous.bad")
        assert await ws.refused() == (
            "manifests/custom_field_lists_ambiguous.bad.yaml:5: custom_fields.seat-band.lists.0: "
            "2 Prospect2 lists are described 'Members' (ids 3, 4); use {id: N} to say which")
        ws.use_case("custom_field_lists.good")
        plan = await ws.plan()
    [change] = plan.changes
    assert change.after is not None and change.after["lists"] == [
        "Lakeside Newsletter", "Season Announcements"]
    assert change.ref_ids == {"lists.0": 1, "lists.1": 2}


async def test_removing_an_option_contacts_hold_is_warned_with_the_count(
        tmp_path: Path) -> None:
    async with workspace(tmp_path) as ws:
        ws.write(LEVELS.format(type="dropdown", options="Friend, Supporter, Patron"))
        created = (await ws.plan_and_apply()).changes[0]
        assert created.action == "create"
        field = ws.state.get("custom_fields.level").remote_id  # type: ignore[union-attr]
        for contact, value in ((2, "Supporter"), (3, "Supporter"), (4, "Friend")):
            await ws.api("POST", "/fieldValues", {"fieldValue": {
                "contact": contact, "field": field, "value": value}})
        ws.write(LEVELS.format(type="dropdown", options="Patron, Benefactor"))
        plan = await ws.plan()
        assert warnings_of(plan) == [
            "manifests/main.yaml:5: custom_fields.level: removing options 'Friend' (1 "
            "contact), 'Supporter' (2 contacts) of 'Membership Level': those contacts keep "
            "the value, which is no longer one of the field's choices (counted with 2 "
            "Prospect2 requests)"]
        ws.write(LEVELS.format(type="dropdown", options="Friend, Supporter, Patron, Gold"))
        assert warnings_of(await ws.plan()) == []


async def test_options_left_to_the_ui_survive_an_update_of_the_title(tmp_path: Path) -> None:
    """``ignore_changes: [options]``: no removal warning, and renaming the field keeps the
    options someone made in Prospect2."""
    async with workspace(tmp_path) as ws:
        ws.write(LEVELS.format(type="dropdown", options="Friend, Patron"))
        await ws.plan_and_apply()
        ws.write("custom_fields:\n  level:\n    title: Level\n    type: dropdown\n"
                 "    perstag: MEMBERSHIP_LEVEL\n    lifecycle: {ignore_changes: [options]}\n")
        plan = await ws.plan()
        assert [(c.action, [d.field for d in c.diffs]) for c in plan.changes] == [
            ("update", ["title"])]
        assert warnings_of(plan) == []
        await ws.apply(plan)
        field = ws.state.get("custom_fields.level").remote_id  # type: ignore[union-attr]
        read = (await ws.api("GET", f"/fields/{field}")).json()
    assert read["field"]["title"] == "Level"
    assert [o["value"] for o in read["fieldOptions"]] == ["Friend", "Patron"]
