"""The Lakeside Performing Arts account every seed starts from.

The content (tags, custom fields, campaigns) is what the example manifests and the demo refer
to; the contacts are the even-numbered constituents of the Tessitura seed of the same name, so
the two emulators overlap like a real integrated organization.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from providers.emulator_kit.control import EPOCH
from providers.prospect2.emulator.contact_book import ContactBook

if TYPE_CHECKING:
    from providers.prospect2.emulator.world import Prospect2World

#: Constituents per seed (spec §6); Prospect2 holds the even-numbered half of them.
SEED_CONSTITUENTS = {"small": 200, "demo": 2_000, "large": 1_000_000}
#: Seeded tag associations, field values and campaign recipients stay among the first
#: contacts, so even the ``large`` seed builds in milliseconds.
SEEDED_ACTIVITY_CONTACTS = 600

TAGS = (("Newsletter", "Monthly newsletter readers"), ("Donor - Major", "Major donors"),
        ("VIP", "Very important patrons"), ("Subscriber - FY26", "FY26 season subscribers"),
        ("Gala 2024 Attendee", ""))
FIELDS = (("AMAHL_PERF_NO", "Amahl performance number"), ("SEAT_LOCATION", "Seat location"),
          ("PERFDATA__PERF_NO", "Performance ID returned by scheduled triggers"))
LISTS = (("Lakeside Newsletter", "lakeside-newsletter"),
         ("Season Announcements", "season-announcements"))
AUTOMATIONS = (("Patron feedback follow-up", "1"), ("Welcome series", "1"),
               ("Post-show survey", "2"))


def _stamp(days_before_epoch: int) -> str:
    return (EPOCH - timedelta(days=days_before_epoch)).isoformat()


def build_seeded_world(cls: type[Prospect2World], seed: str) -> Prospect2World:
    """A deterministic account for ``seed`` (small, demo or large)."""
    if seed not in SEED_CONSTITUENTS:
        raise ValueError(f"unknown seed {seed!r}: choose one of {', '.join(SEED_CONSTITUENTS)}")
    contact_count = SEED_CONSTITUENTS[seed] // 2
    created = _stamp(400)
    account = {"organizationName": "Lakeside Performing Arts", "tessituraConnected": True,
               "contactPermissionsIntegrated": True, "contactPermissionTypeId": 2,
               "secret": hashlib.sha256(f"callboard-emulator/{seed}".encode()).hexdigest()}
    world = cls(seed=seed, account=account, contacts=ContactBook(contact_count, created),
                tables={}, recipients={}, imports={}, next_ids={})
    for name, description in TAGS:
        world.insert("tags", {"tag": name, "tagType": "contact", "description": description,
                              "cdate": created})
    for perstag, description in FIELDS:
        world.insert("fields", {"title": perstag, "type": "text", "descript": description,
                                "perstag": perstag, "defval": "", "visible": 1,
                                "ordernum": len(world.table("fields")) + 1,
                                "cdate": created, "udate": created})
    for name, stringid in LISTS:
        world.insert("lists", {"name": name, "stringid": stringid, "cdate": created,
                               "udate": created, "sender_url": "https://lakeside.example.org",
                               "sender_reminder": "You signed up at lakeside.example.org."})
    for field_id in sorted(world.table("fields")):  # fields made in the UI belong to all lists
        world.insert("fieldRels", {"field": field_id, "relid": 0, "dorder": 0,
                                   "cdate": created})
    for name, status in AUTOMATIONS:
        world.insert("automations", {"name": name, "status": status, "cdate": created,
                                     "mdate": created})
    world.next_ids["contacts"] = contact_count + 1
    _seed_activity(world, min(contact_count, SEEDED_ACTIVITY_CONTACTS))
    _seed_campaigns(world, min(contact_count, SEEDED_ACTIVITY_CONTACTS))
    return world


def _seed_activity(world: Prospect2World, upto: int) -> None:
    """Tags, field values and subscriptions on the first contacts (some unmanaged data)."""
    when = _stamp(90)
    newsletter, major, vip, subscriber, _gala = sorted(world.table("tags"))
    amahl, seat, perf = sorted(world.table("fields"))
    for contact_id in range(1, upto + 1):
        if contact_id % 3 == 0:
            world.tag_contact(contact_id, newsletter, when)
        if contact_id % 40 == 0:
            world.tag_contact(contact_id, major, when)
        if contact_id % 25 == 0:
            world.tag_contact(contact_id, vip, when)
        if contact_id % 4 == 1:
            world.tag_contact(contact_id, subscriber, when)
        if contact_id % 10 == 0:
            world.set_field_value(contact_id, perf, str(4100 + contact_id % 7), when)
            world.set_field_value(contact_id, seat,
                                  f"Row {chr(65 + contact_id % 12)} Seat {contact_id % 30 + 1}",
                                  when)
        if contact_id % 15 == 0:
            world.set_field_value(contact_id, amahl, "4242", when)
        if contact_id % 3 == 0:
            world.subscribe(contact_id, 1, 1, when)
        if contact_id % 50 == 0:  # in the welcome series: finished for every other one
            world.insert("contactAutomations", {
                "contact": contact_id, "automation": 2, "status": 2 if contact_id % 100 else 1,
                "adddate": when, "remdate": when if contact_id % 100 else None})


def _seed_campaigns(world: Prospect2World, upto: int) -> None:
    campaigns: tuple[tuple[str, int, int | None, list[int]], ...] = (
        ("SUBS Spring Preview", 5, 20, [c for c in range(1, upto + 1) if c % 2 == 1][:60]),
        ("Lakeside Monthly - August", 5, 31, list(range(3, upto + 1, 3))[:80]),
        ("Gala Save the Date", 0, None, []),
    )
    for name, status, days_ago, recipients in campaigns:
        sent = _stamp(days_ago) if days_ago is not None else None
        row: dict[str, Any] = {"name": name, "type": "single", "status": str(status),
                               "sdate": sent, "ldate": sent, "cdate": _stamp(60),
                               "mdate": _stamp(60), "send_amt": str(len(recipients))}
        world.insert("campaigns", row)
        world.recipients[row["id"]] = [
            [contact_id, world.contacts.get(contact_id)["email"], sent]  # type: ignore[index]
            for contact_id in recipients]
