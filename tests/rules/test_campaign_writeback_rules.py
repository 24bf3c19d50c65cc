"""Seed 002: a campaign writeback's Tessitura codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.rule_support import workspace

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
            "candidates: 'FY26 Annual Fund' (id 401), 'FY27 Subscriptions' (id 501), 'FY27 "
            "Annual Fund' (id 502), 'FY27 Single Tickets' (id 503)"])
        ws.use_case("writeback_codes.good")
        plan = await ws.plan()
        assert {c.name: c.after for c in plan.changes} == {
            "subscriptions": {"name": "subscriptions", "match": {"campaign_name": "SUBS *"},
                              "appeal": "FY27 Subscriptions", "source_group": "Email Marketing",
                              "media_type": "E-mail", "since": None},
            "mailings": {"name": "mailings", "match": {"campaign_tag": "annual-fund"},
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
