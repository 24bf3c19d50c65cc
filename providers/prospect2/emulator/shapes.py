"""How association rows look on the wire, shared by the routes that answer them.

A contact's answer sideloads its field values, subscriptions and automations, and each of
those also has routes of its own: one renderer each keeps the two answers the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers.prospect2.emulator.wire import timestamps, to_wire

#: The automation progress ActiveCampaign reports for a contact that has just entered one.
ENTERED = {"startid": "0", "batchid": None, "timespan": "0", "lastblock": "0",
           "lastlogid": "0", "completedElements": "0", "totalElements": "1", "completed": 0,
           "completeValue": 0}


def field_value_wire(row: Mapping[str, Any]) -> dict[str, Any]:
    """``owner`` repeats ``contact``, as ActiveCampaign's answers do."""
    return {**to_wire(row), "owner": str(row["contact"]),
            "links": {"owner": f"/api/3/fieldValues/{row['id']}/owner",
                      "field": f"/api/3/fieldValues/{row['id']}/field"}}


def subscription_wire(row: Mapping[str, Any]) -> dict[str, Any]:
    """A contactList: ``status`` 1 subscribed, 2 unsubscribed (a string, as listed)."""
    return {**to_wire(row), "status": str(row["status"]),
            **timestamps(row, created="sdate", updated="udate"),
            "links": {"list": f"/api/3/contactLists/{row['id']}/list",
                      "contact": f"/api/3/contactLists/{row['id']}/contact"}}


def contact_automation_wire(row: Mapping[str, Any]) -> dict[str, Any]:
    wire = to_wire(row)
    wire.update(ENTERED, automation=str(row["automation"]), seriesid=str(row["automation"]),
                status=str(row["status"]), adddate=row["adddate"], remdate=row.get("remdate"),
                lastdate=row.get("remdate") or row["adddate"],
                links={"automation": f"/api/3/contactAutomations/{row['id']}/automation",
                       "contact": f"/api/3/contactAutomations/{row['id']}/contact"})
    if row["status"] == 2:
        wire.update(completed=1, completeValue=100)
    return wire
