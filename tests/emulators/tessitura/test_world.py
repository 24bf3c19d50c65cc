"""Churn side effects, seeds, persistence and the SQL pack."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from providers.emulator_kit.control import EmulatorControl
from providers.tessitura.emulator.app import build_tessitura_app
from providers.tessitura.emulator.wire_time import parse_wire_datetime
from providers.tessitura.emulator.world import TessituraWorld
from tests.emulators.tessitura.conftest import LOGIN, basic

pytestmark = pytest.mark.anyio


# -- churn side effects, seeds, persistence ------------------------------------------------------
async def test_shared_email_and_permission_flip_show_in_crm(
    api: httpx.AsyncClient, world: TessituraWorld, control: EmulatorControl
) -> None:
    churn = world.churn(101, share_email=1, permission_flip=1, seed=7, now=control.clock.now())
    shared = churn["shared_addresses"][0]
    addresses = (
        await api.get(
            "/CRM/ElectronicAddresses", params={"constituentIds": shared["ConstituentId"]}
        )
    ).json()
    assert shared["Address"] in [a["Address"] for a in addresses]
    flipped = churn["permission_flip"][0]
    answers = (await api.get("/CRM/ContactPermissions", params={"constituentId": flipped})).json()
    email = next(a for a in answers if a["Type"]["Id"] == 2)
    assert email["Answer"] == world.population.permission_answer(flipped, 2)
    audit = [r for r in world.audit if r["AuditTable"] == "TX_CONTACT_PERMISSION"]
    assert audit[0]["NewValue"] == email["Answer"] != audit[0]["OldValue"]


async def test_a_mistyped_primary_address_shows_in_crm_and_is_audited(
    api: httpx.AsyncClient, world: TessituraWorld, control: EmulatorControl
) -> None:
    [typo] = world.churn(101, mistype=1, seed=3, now=control.clock.now())["mistyped"]
    member = typo["ConstituentId"]
    assert typo["Address"] == f"patron{member}@example"  # the domain lost ".org"
    addresses = (await api.get("/CRM/ElectronicAddresses",
                               params={"constituentIds": member, "primaryOnly": "true"})).json()
    assert [a["Address"] for a in addresses] == [typo["Address"]]
    assert world.population.owners_of(typo["Address"]) == [member]
    assert member not in world.population.owners_of(f"patron{member}@example.org")
    [audit] = [r for r in world.audit if r["AuditTable"] == "T_EADDRESS"]
    assert (audit["OldValue"], audit["NewValue"]) == (f"patron{member}@example.org",
                                                      typo["Address"])
    restored = TessituraWorld.from_dict(json.loads(json.dumps(world.to_dict())))
    assert restored.population.email_addresses(member) == world.population.email_addresses(member)


def test_seeds_are_deterministic() -> None:
    assert TessituraWorld.seeded("demo").to_dict() == TessituraWorld.seeded("demo").to_dict()
    one, two = TessituraWorld.seeded("small"), TessituraWorld.seeded("small")
    assert one.churn(101, add=4, now=one_moment()) == two.churn(101, add=4, now=one_moment())


def one_moment() -> Any:
    return parse_wire_datetime("2026-09-02T10:00:00Z")


async def test_large_seed_builds_with_a_million_constituents(control: EmulatorControl) -> None:
    world = TessituraWorld.seeded("large")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(build_tessitura_app(world, control)),
        base_url="http://t", headers={"Authorization": basic(*LOGIN)},
    ) as client:  # fmt: skip
        summary = (await client.get("/Reporting/Lists/Summary", params={"listIds": "105"})).json()
    assert summary[0]["ConstituentCount"] == 1_000_000
    assert len(json.dumps(world.to_dict())) < 50_000  # overrides only, never the population


def test_round_trip_preserves_churn_and_generation() -> None:
    world = TessituraWorld.seeded("small")
    churn = world.churn(
        101, add=3, remove=2, change=1, share_email=1, permission_flip=2, now=one_moment()
    )
    world.lists[101].generate(world.population, "2026-09-02T10:00:01+00:00")
    world.churn(105, add=2, remove=1, now=one_moment())

    restored = TessituraWorld.from_dict(json.loads(json.dumps(world.to_dict())))
    assert restored.to_dict() == world.to_dict()
    assert list(restored.lists[101].contents(restored.population)) == list(
        world.lists[101].contents(world.population)
    )
    assert set(churn["added"]) <= set(restored.lists[101].contents(restored.population))
    assert restored.population.count == 202
    flipped = churn["permission_flip"][0]
    assert restored.population.permission_answer(flipped, 2) == world.population.permission_answer(
        flipped, 2
    )


def test_sql_pack_creates_and_registers_every_emulated_procedure() -> None:
    from providers.tessitura.emulator.procedures import PACK_VERSION, PROCEDURES
    from providers.tessitura.sql import procedure_pack_scripts

    scripts = {path.name: path.read_text() for path in procedure_pack_scripts()}
    registration = scripts[max(scripts)]  # registration runs last
    for name in PROCEDURES:
        assert (
            sum(f"CREATE OR ALTER PROCEDURE dbo.{name}\n" in text for text in scripts.values()) == 1
        )
        assert f"'{name}'" in registration
    assert f"'{PACK_VERSION}'" in next(t for n, t in scripts.items() if "VERSION" in n)


def test_client_needs_no_newer_pack_than_ships_and_install_md_names_it() -> None:
    from providers.tessitura.provider import REQUIRED_PACK_VERSION
    from providers.tessitura.sql import PACK_DIRECTORY, PACK_VERSION

    def version(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in text.split("."))

    assert version(REQUIRED_PACK_VERSION) <= version(PACK_VERSION)
    install = (PACK_DIRECTORY / "INSTALL.md").read_text()
    assert f"version **{PACK_VERSION}**" in install
