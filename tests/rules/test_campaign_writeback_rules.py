"""Seed 002: a campaign writeback's Tessitura codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.rule_support import warnings_of, workspace

pytestmark = pytest.mark.anyio


async def test_seed002_appeal_and_source_group_required(tmp_path: Path) -> None:
    """Seed 002: "Appeal ... is a required field", "Source Group ... is a required field"."""
    async with workspace(tmp_path) as ws:
        ws.use_case("writeback_required.bad")
        assert await ws.refused() == "\n".join([
            "manifests/writeback_required.bad.yaml:2: campaign_writebacks.subscriptions.appeal:"
            " required field is missing",
            "manifests/writeback_required.bad.yaml:2: "
            "campaign_writebacks.subscriptions.source_group: required field is missing"])


async def test_seed002_codes_exist_in_tessitura(tmp_path: Path) -> None:
    """Seed 002: the three dropdowns list values from the connected Tessitura; the media
    type defaults to "7: E-mail" and accepts that form."""
    async with workspace(tmp_path) as ws:
        ws.use_case("writeback_codes.bad")
        assert await ws.refused() == "\n".join([
            "manifests/writeback_codes.bad.yaml:10: campaign_writebacks.appeals.media_type: no "
            "media type is '8: E-mail'; candidates: 3: Mail, 7: E-mail",
            "manifests/writeback_codes.bad.yaml:4: campaign_writebacks.subscriptions.appeal: no"
            " appeal is described 'FY28 Subscriptions' (did you mean 'FY27 Subscriptions'?); "
            "candidates: 'FY27 Subscriptions' (id 501), 'FY27 Annual Fund' (id 502), 'FY27 "
            "Single Tickets' (id 503)"])  # FY26 Annual Fund is inactive: never offered
        ws.use_case("writeback_codes.good")
        plan = await ws.plan()
        assert {c.name: c.after for c in plan.changes} == {
            "subscriptions": {"name": "subscriptions", "match": {"campaign_name": "SUBS *"},
                              "appeal": "FY27 Subscriptions", "source_group": "Email Marketing",
                              "media_type": "E-mail", "since": None},
            "mailings": {"name": "mailings", "match": {"campaign_tag": "Donor - Major"},
                         "appeal": "FY27 Annual Fund", "source_group": "Direct Mail",
                         "media_type": "Mail", "since": None},
        }


async def test_seed002_match_is_one_campaign_name_glob_or_tag(tmp_path: Path) -> None:
    """Seed 002 (writeback mapping design): a mapping matches by name glob or by tag."""
    async with workspace(tmp_path) as ws:
        ws.use_case("writeback_match.bad")
        assert await ws.refused() == (
            "manifests/writeback_match.bad.yaml:3: campaign_writebacks.subscriptions.match: "
            "match is exactly one of {campaign_name: GLOB} or {campaign_tag: NAME}")


async def test_seed002_changing_a_mappings_codes_warns_what_stays_where(tmp_path: Path) -> None:
    """Seed 002: "use consistent appeal and source group selections ... so your Tessitura
    reporting remains organized": a changed appeal or source group says that campaigns
    already written back stay under the old one."""
    async with workspace(tmp_path) as ws:
        mapping = ("campaign_writebacks:\n  subscriptions:\n    match: {campaign_name: 'SUBS *'}"
                   "\n    appeal: %s\n    source_group: %s\n")
        ws.write(mapping % ("FY27 Subscriptions", "Email Marketing"))
        assert warnings_of(await ws.plan_and_apply()) == []
        ws.write(mapping % ("FY27 Annual Fund", "Email Marketing"))
        plan = await ws.plan()
        assert [c.action for c in plan.changes] == ["update"]
        assert warnings_of(plan) == [
            "manifests/main.yaml:4: campaign_writebacks.subscriptions: the appeal changes "
            "from 'FY27 Subscriptions' to 'FY27 Annual Fund': campaigns already written back "
            "(and one a stopped 'writeback run' left unfinished) stay under 'FY27 "
            "Subscriptions'; only campaigns written back after this apply go under 'FY27 "
            "Annual Fund'"]
        ws.write(mapping % ("FY27 Annual Fund", "Email Marketing") +
                 "    lifecycle: {ignore_changes: [appeal]}\n")
        assert warnings_of(await ws.plan()) == []  # an ignored field changes nothing


async def test_seed002_a_campaign_tag_is_declared_or_exists(tmp_path: Path) -> None:
    """Seed 002: a mapping by campaign tag names a tag declared under tags (NAME or name)
    or existing in Prospect2, in any case (matching ignores it); any other never matches."""
    async with workspace(tmp_path / "bad") as ws:
        ws.use_case("writeback_campaign_tag.bad")
        assert await ws.refused() == "\n".join([
            "manifests/writeback_campaign_tag.bad.yaml:6: campaign_writebacks.gala.match."
            "campaign_tag: no tag 'Gala 2024 Atendee' is declared under tags or exists in "
            "Prospect2 (did you mean 'Gala 2024 Attendee'?); a mapping by campaign tag "
            "matches only campaigns carrying an existing tag",
            "manifests/writeback_campaign_tag.bad.yaml:11: campaign_writebacks.guests.match."
            "campaign_tag: no tag 'gala-guest' is declared under tags or exists in Prospect2 "
            "(did you mean 'gala-guests'?); a mapping by campaign tag matches only campaigns "
            "carrying an existing tag"])
    async with workspace(tmp_path / "good") as ws:
        ws.use_case("writeback_campaign_tag.good")
        plan = await ws.plan()
        assert {c.name: c.after["match"] for c in plan.changes
                if c.kind == "campaign_writebacks"} == {
            "existing": {"campaign_tag": "Gala 2024 Attendee"},
            "other-case": {"campaign_tag": "vip"},
            "by-key": {"campaign_tag": "Gala 2025 Guest"},  # the tag's name, as Prospect2 holds
            "by-name": {"campaign_tag": "Gala 2025 Guest"}}
