"""A user's journey with custom field options and lists, run through the real CLI against the
sandbox (in-process) and against ``callboard emulator serve`` (over TCP).

plan -> apply -> nothing left to plan -> an option added by hand in Prospect2 is drift -> the
next plan removes it, warning that a contact holds it -> apply -> a relation removed by hand is
drift -> apply restores it -> a field made by hand is written by ``generate`` with its options
and lists, and those manifests plan no change to it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from ruamel.yaml import YAML

#: ``run("plan", ...)`` -> (exit code, stdout, stderr)
Run = Callable[..., tuple[int, str, str]]
#: ``api("GET", "/fields", json)`` -> the Prospect2 API's answer (path under /api/3)
Api = Callable[[str, str, Any], httpx.Response]
LEVELS = ["Friend", "Supporter", "Patron", "Benefactor"]


@dataclass
class Journey:
    run: Run
    api: Api
    root: Path

    def ok(self, *args: str, code: int = 0) -> str:
        found, out, err = self.run(*args)
        assert found == code, f"callboard {' '.join(args)} exited {found}:\n{out}\n{err}"
        return out

    def field(self, perstag: str) -> dict[str, Any]:
        """The field with its option values (in order) and related list ids."""
        [field] = self.api("GET", f"/fields?filters[perstag]={perstag}", None).json()["fields"]
        read = self.api("GET", f"/fields/{field['id']}", None).json()
        ordered = sorted(read["fieldOptions"], key=lambda o: (o["orderid"], int(o["id"])))
        return {"id": field["id"], "options": [o["value"] for o in ordered],
                "relations": {int(r["relid"]): r["id"] for r in read["fieldRels"]}}


def plan_apply_drift(journey: Journey, *, relations: bool = True) -> None:
    """``relations``: also remove a list relation by hand and see apply restore it."""
    planned = json.loads(journey.ok("plan", "--format", "json"))
    after = {c["address"]: c["after"] for c in planned["changes"]}
    assert after["custom_fields.membership-level"]["options"] == LEVELS
    assert after["custom_fields.last-attended"]["lists"] == ["Lakeside Newsletter",
                                                             "Season Announcements"]
    journey.ok("plan", "--out", "first.cbplan")
    journey.ok("apply", "first.cbplan")
    level, last = journey.field("MEMBERSHIP_LEVEL"), journey.field("LAST_ATTENDED")
    assert level["options"] == LEVELS and set(level["relations"]) == {0}
    assert set(last["relations"]) == {1, 2} and last["options"] == []
    journey.ok("plan", "--detailed-exitcode")
    journey.ok("drift")

    journey.api("POST", "/fieldOption/bulk", {"fieldOptions": [
        {"field": level["id"], "label": "Honorary", "value": "Honorary", "orderid": 9}]})
    journey.api("POST", "/fieldValues", {"fieldValue": {
        "contact": 2, "field": level["id"], "value": "Honorary"}})
    drift = journey.ok("drift", code=2)
    assert ('options: applied ["Friend", "Supporter", "Patron", "Benefactor"], live ["Friend", '
            '"Supporter", "Patron", "Benefactor", "Honorary"]  # live adds "Honorary"') in drift
    report = json.loads(journey.ok("drift", "--format", "json", code=2))
    [item] = [i for i in report["items"] if not i["ignored"]]
    assert (item["address"], [d["field"] for d in item["diffs"]]) == (
        "custom_fields.membership-level", ["options"])

    again = journey.ok("plan", "--detailed-exitcode", code=2)
    assert '# removes "Honorary"' in again
    assert ("removing option 'Honorary' (1 contact) of 'Membership Level': those contacts "
            "keep the value") in again
    journey.ok("apply", "--auto-approve")
    assert journey.field("MEMBERSHIP_LEVEL")["options"] == LEVELS
    if not relations:
        return
    journey.api("DELETE", f"/fieldRels/{last['relations'][2]}", None)
    assert "lists: applied" in journey.ok("drift", code=2)
    journey.ok("apply", "--auto-approve")
    assert set(journey.field("LAST_ATTENDED")["relations"]) == {1, 2}
    journey.ok("plan", "--detailed-exitcode")
    journey.ok("drift")


def generate_round_trip(journey: Journey) -> None:
    """A field made by hand comes back from ``generate`` with its options and its one list;
    those manifests plan it as it is (adopted, never updated)."""
    made = journey.api("POST", "/fields", {"field": {"title": "Seat Band", "type": "radio"}})
    field = made.json()["field"]["id"]
    journey.api("POST", "/fieldOption/bulk", {"fieldOptions": [
        {"field": field, "label": value, "value": value, "orderid": n}
        for n, value in enumerate(["Front", "Middle", "Back"], start=1)]})
    journey.api("POST", "/fieldRels", {"fieldRel": {"field": field, "relid": 2}})

    journey.ok("generate", "--out", "generated")
    entries = {name: entry for path in sorted((journey.root / "generated").rglob("*.yaml"))
               for name, entry in (YAML(typ="safe").load(path.read_text())
                                   .get("custom_fields") or {}).items()}
    [(name, entry)] = [(n, e) for n, e in entries.items() if e["title"] == "Seat Band"]
    assert entry == {"title": "Seat Band", "type": "radio",
                     "options": ["Front", "Middle", "Back"], "lists": ["Season Announcements"]}
    shutil.copytree(journey.root / "generated", journey.root / "manifests" / "generated")

    planned = json.loads(journey.ok("plan", "--format", "json"))
    actions = {c["address"]: c["action"] for c in planned["changes"]}
    assert set(actions.values()) <= {"adopt"}, actions
    journey.ok("apply", "--auto-approve")
    journey.ok("plan", "--detailed-exitcode")
    state = json.loads(journey.ok("state", "show", f"custom_fields.{name}"))
    assert state["fields"]["options"] == ["Front", "Middle", "Back"]
    assert state["fields"]["lists"] == ["Season Announcements"]
