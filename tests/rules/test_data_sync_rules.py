"""Seed 003: the Data Sync: Tag rules, each with a refused and an accepted manifest."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.plan.model import Plan
from tests.rules.rule_support import workspace

pytestmark = pytest.mark.anyio


async def refused(tmp_path: Path, case: str) -> str:
    async with workspace(tmp_path) as ws:
        ws.use_case(case)
        return await ws.refused()


async def planned(tmp_path: Path, case: str) -> Plan:
    async with workspace(tmp_path) as ws:
        ws.use_case(case)
        return await ws.plan()


def after(plan: Plan, address: str) -> dict:
    return next(c.after for c in plan.changes if c.address == address)


async def test_seed003_list_exists_is_dynamic_and_marked_for_prospect2(tmp_path: Path) -> None:
    """Seed 003: only dynamic List Manager lists with the "Prospect2" box checked appear."""
    assert await refused(tmp_path / "missing", "sync_list_missing.bad") == (
        "manifests/sync_list_missing.bad.yaml:3: data_syncs.members.list: no List Manager list "
        "is described 'Members - Curent' (did you mean 'Members - Current'?); candidates: "
        "'Members - Current' (id 101), 'Lapsed Donors' (id 102), 'Gala 2025 Static' (id 103), "
        "'Board Only' (id 104), 'All Constituents' (id 105)")
    assert await refused(tmp_path / "static", "sync_list_static.bad") == (
        "manifests/sync_list_static.bad.yaml:3: data_syncs.gala.list: list 'Gala 2025 Static' "
        "(id 103) is static; a Data Sync needs a dynamic List Manager list, which Prospect2 "
        "regenerates before each run")
    assert await refused(tmp_path / "unmarked", "sync_list_not_prospect2.bad") == (
        "manifests/sync_list_not_prospect2.bad.yaml:3: data_syncs.board.list: list 'Board Only'"
        " (id 104) is not marked for Prospect2: check the \"Prospect2\" box on the list in "
        "Tessitura's List Manager")
    plan = await planned(tmp_path / "good", "sync_list.good")
    assert after(plan, "data_syncs.members")["list"] == "Members - Current"
    assert after(plan, "data_syncs.lapsed")["list"] == "Lapsed Donors"


async def test_seed003_one_tag_declared_or_existing(tmp_path: Path) -> None:
    """Seed 003: one tag per sync; a declared tags resource or a tag already in Prospect2."""
    assert await refused(tmp_path / "bad", "sync_tag.bad") == (
        "manifests/sync_tag.bad.yaml:7: data_syncs.members.tag: no tag 'members-activ' is "
        "declared under tags or exists in Prospect2 (did you mean 'members-active'?); a Data "
        "Sync applies one existing tag")
    plan = await planned(tmp_path / "good", "sync_tag.good")
    assert after(plan, "data_syncs.members")["tag"] == "Member - Active"
    assert after(plan, "data_syncs.newsletter")["tag"] == "Newsletter"
    addresses = [c.address for c in plan.changes]
    assert addresses.index("tags.members-active") < addresses.index("data_syncs.members")


async def test_seed003_cpp_filters_only_email_address_category(tmp_path: Path) -> None:
    """Seed 003: only CPPs of the Email Address contact point category can filter."""
    assert await refused(tmp_path / "bad", "sync_cpp_filters.bad") == (
        "manifests/sync_cpp_filters.bad.yaml:7: "
        "data_syncs.members.filters.contact_point_purposes.1: contact point purpose 'Mail "
        "Appeals' (id 3) is not of the Email Address category; only Email Address purposes can"
        " filter a Data Sync")
    plan = await planned(tmp_path / "good", "sync_cpp_filters.good")
    assert after(plan, "data_syncs.members")["filters"]["contact_point_purposes"] == [
        "Newsletter", "Season Announcements"]


async def test_seed003_eaddress_types_are_email_types(tmp_path: Path) -> None:
    """Seed 003: the Tessitura eaddress type filter selects email addresses."""
    assert await refused(tmp_path / "bad", "sync_eaddress_types.bad") == (
        "manifests/sync_eaddress_types.bad.yaml:7: data_syncs.members.filters.eaddress_types.1:"
        " electronic address type 'Website' (id 3) is not an email type, so no email address "
        "would pass this filter")
    filters = after(await planned(tmp_path / "good", "sync_eaddress_types.good"),
                    "data_syncs.members")["filters"]
    assert filters["eaddress_types"] == ["Primary e-mail", "Work e-mail"]
    assert filters["primary_only"]


async def test_seed003_ignore_contact_permissions_needs_the_integration(
        tmp_path: Path) -> None:
    """Seed 003: the option exists only in accounts integrated with Contact Permissions."""
    plan = await planned(tmp_path / "integrated", "sync_contact_permissions")
    assert after(plan, "data_syncs.members")["filters"]["ignore_contact_permissions"] is True
    plain = {"contactPermissionsIntegrated": False, "contactPermissionTypeId": None}
    async with workspace(tmp_path / "plain", account=plain) as ws:
        ws.use_case("sync_contact_permissions")
        assert await ws.refused() == (
            "manifests/sync_contact_permissions.yaml:7: "
            "data_syncs.members.filters.ignore_contact_permissions: ignore_contact_permissions"
            " needs a Prospect2 account integrated with Tessitura Contact Permissions, and "
            "this account is not")


async def test_seed003_schedules_are_validated(tmp_path: Path) -> None:
    """Seed 003: Daily, Weekly, Monthly (31 = last day), Multiple Times Daily (>= 15
    minutes) and Custom times."""
    assert await refused(tmp_path / "bad", "sync_schedule.bad") == "\n".join([
        "manifests/sync_schedule.bad.yaml:5: data_syncs.too-often.schedule.every.minutes: a "
        "Data Sync can run at most every 15 minutes, not every 14",
        "manifests/sync_schedule.bad.yaml:10: data_syncs.no-such-day.schedule.monthly.day: a "
        "monthly schedule runs on a day from 1 to 31 (31 means the last day of the month), not"
        " 32",
        "manifests/sync_schedule.bad.yaml:14: data_syncs.bad-time.schedule.daily: '2am' is not "
        "a time of day: use HH:MM on a 24-hour clock, e.g. \"02:00\" or \"18:30\"",
        "manifests/sync_schedule.bad.yaml:18: data_syncs.no-times.schedule.times: times needs "
        "at least one time of day, e.g. [\"06:00\", \"12:30\"]",
        "manifests/sync_schedule.bad.yaml:22: data_syncs.two-forms.schedule: a schedule is "
        "exactly one of daily, weekly, monthly, every or times (found daily and times), e.g. "
        "{daily: \"02:00\"}",
    ])
    async with workspace(tmp_path / "good") as ws:
        ws.use_case("sync_schedule.good")
        plan = await ws.plan_and_apply()
        assert {c.name: c.after["schedule"] for c in plan.changes} == {
            "daily": {"daily": "02:00"},
            "weekly": {"weekly": {"day": "friday", "at": "23:30"}},
            "monthly": {"monthly": {"day": 31, "at": "01:00"}},
            "every": {"every": {"minutes": 15, "from": "06:00"}},
            "times": {"times": ["06:00", "12:30"]},
        }
        assert (await ws.plan()).changes == []  # Prospect2 holds each form as planned


async def test_seed003_add_only_is_the_default_mode(tmp_path: Path) -> None:
    """Seed 003: 'Add Only' is the default job type; notify takes email addresses."""
    fields = after(await planned(tmp_path / "good", "sync_defaults.good"), "data_syncs.members")
    assert (fields["mode"], fields["enabled"], fields["notify"]) == (
        "add_only", True, ["ops@example.org"])
    assert await refused(tmp_path / "bad", "sync_notify.bad") == (
        "manifests/sync_notify.bad.yaml:6: data_syncs.members.notify: 'box office' is not an "
        "email address")


async def test_seed003_contact_data_names_what_exists_and_fits(tmp_path: Path) -> None:
    """Seed 003 (re-syncing data changes): the output set, its columns and the custom fields
    exist, and the values the list holds fit the fields' types; resync: values needs them."""
    assert (await refused(tmp_path / "bad", "sync_contact_data.bad")).splitlines() == [
        "manifests/sync_contact_data.bad.yaml:17: data_syncs.no-such-column.contact_data."
        "fields.MEMBERSHIP_LEVEL: output set 'Pro2 Member Data' has no column 'Membership Lvl'"
        " (did you mean 'Membership Level'?); its columns: 'Membership Level', 'Last "
        "Performance Date', 'Lifetime Giving'",
        "manifests/sync_contact_data.bad.yaml:10: data_syncs.no-such-set.contact_data."
        "output_set: no output set is described 'Pro2 Member Dta' (did you mean 'Pro2 Member "
        "Data'?); candidates: 'Pro2 Member Data' (id 31), 'Patron Names' (id 32)",
        "manifests/sync_contact_data.bad.yaml:23: data_syncs.not-a-custom-field.contact_data."
        "fields.FIRST_NAME: FIRST_NAME is not a custom field: neither declared under "
        "custom_fields nor in Prospect2 (contact data fills custom fields; email and names "
        "come with every import)",
        "manifests/sync_contact_data.bad.yaml:29: data_syncs.not-a-date.contact_data.fields."
        "LAST_ATTENDED: column 'Membership Level' holds 'Patron' (constituent 1000), not a "
        "date (YYYY-MM-DD), as a date field needs; map a column that fits, or change the "
        "field's type",
        "manifests/sync_contact_data.bad.yaml:34: data_syncs.values-of-nothing.resync: resync:"
        " values re-imports members whose carried values changed, and this sync carries "
        "none: declare contact_data, or use resync: audit or off"]
    async with workspace(tmp_path / "good") as ws:
        ws.use_case("sync_contact_data.good")
        plan = await ws.plan_and_apply()
        assert after(plan, "data_syncs.members")["contact_data"] == {
            "output_set": None, "fields": {"MEMBERSHIP_LEVEL": "Membership Level",
                                           "LAST_ATTENDED": "Last Performance Date"}}
        assert after(plan, "data_syncs.lapsed")["contact_data"] == {
            "output_set": "Patron Names", "fields": {"SEAT_LOCATION": "Level"}}
        syncs = {s["name"]: s for s in
                 (await ws.api("GET", "/tessitura/dataSyncs")).json()["dataSyncs"]}
        fields = {f["perstag"]: f["id"] for f in
                  (await ws.api("GET", "/fields?limit=100")).json()["fields"]}
        assert (syncs["members"]["outputSetId"], syncs["members"]["resync"]) == (None, "values")
        assert syncs["members"]["fields"] == [
            {"fieldId": fields["MEMBERSHIP_LEVEL"], "column": "Membership Level"},
            {"fieldId": fields["LAST_ATTENDED"], "column": "Last Performance Date"}]
        assert syncs["lapsed"]["outputSetId"] == 32
        assert (await ws.plan()).changes == []  # the wire's ids read back as perstags


async def test_seed003_contact_data_values_fit_a_dropdowns_options(tmp_path: Path) -> None:
    """A choice field takes its options only: the list's levels include 'Supporter', which a
    dropdown of Friend, Patron and Benefactor cannot hold."""
    async with workspace(tmp_path) as ws:
        made = await ws.api("POST", "/fields", {"field": {
            "title": "Level", "type": "dropdown", "perstag": "LEVEL"}})
        field_id = made.json()["field"]["id"]
        options = [{"field": field_id, "label": o, "value": o, "orderid": n}
                   for n, o in enumerate(["Friend", "Patron", "Benefactor"])]
        assert (await ws.api("POST", "/fieldOption/bulk", {"fieldOptions": options})
                ).status_code == 201
        ws.write(SYNC_WITH_LEVEL)
        refusal = await ws.refused()
        assert refusal.startswith(
            "manifests/main.yaml:7: data_syncs.members.contact_data.fields.LEVEL: column "
            "'Membership Level' holds 'Supporter' (constituent ")
        assert refusal.endswith(
            "not one of the dropdown field's options (Friend, Patron, Benefactor); map a "
            "column that fits, or change the field's type")
        more = [{"field": field_id, "label": "Supporter", "value": "Supporter", "orderid": 9}]
        assert (await ws.api("POST", "/fieldOption/bulk", {"fieldOptions": more})
                ).status_code == 201
        assert [c.address for c in (await ws.plan()).changes] == ["data_syncs.members"]


SYNC_WITH_LEVEL = """\
data_syncs:
  members:
    list: Members - Current
    tag: Newsletter
    schedule: {daily: "02:00"}
    contact_data:
      fields: {LEVEL: Membership Level}
"""


async def test_seed003_trigger_webhooks_update_the_tags_email_purpose(tmp_path: Path) -> None:
    """Seed 003: trigger webhooks "update integrated Contact Point Purposes on email
    addresses": a tag stands for an Email Address purpose, and a sync that triggers webhooks
    has a tag with one."""
    assert (await refused(tmp_path / "bad", "tag_purpose.bad")).splitlines() == [
        "manifests/tag_purpose.bad.yaml:2: tags.members-active.contact_point_purpose: contact "
        "point purpose 'Mail Appeals' (id 3) is not of the Email Address category; trigger "
        "webhooks update purposes on email addresses, so a tag stands for an Email Address "
        "purpose",
        "manifests/tag_purpose.bad.yaml:8: data_syncs.members.trigger_webhooks: "
        "trigger_webhooks updates the tag's Contact Point Purpose in Tessitura, and the tag "
        "'Newsletter' has none: give the tag a contact_point_purpose (an Email Address "
        "purpose), or set trigger_webhooks: false"]
    async with workspace(tmp_path / "good") as ws:
        ws.use_case("tag_purpose.good")
        plan = await ws.plan_and_apply()
        assert after(plan, "tags.members-active")["contact_point_purpose"] == (
            "Season Announcements")
        tags = (await ws.api("GET", "/tags?search=Member - Active")).json()["tags"]
        assert [t["tessituraPurposeId"] for t in tags if t["tag"] == "Member - Active"] == [2]
        [sync] = (await ws.api("GET", "/tessitura/dataSyncs")).json()["dataSyncs"]
        assert sync["triggerWebhooks"] is True
        assert (await ws.plan()).changes == []
