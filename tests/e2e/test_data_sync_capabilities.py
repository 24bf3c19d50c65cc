"""Issue 10's Data Sync capabilities, each driven through the CLI against a served emulator
(``callboard emulator serve`` over TCP), in accounts like and unlike the demo one
(``POST /_emulator/account``): contact data and resync, one runner, permissions only where
integrated, purposes that follow the tag, tag changes, ``since``, and a preview that agrees
with the run. Bad input is one clear error that changes nothing."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Workspace

MEMBERS_LIST, PURPOSE = 101, 2  # "Members - Current"; "Season Announcements"
TAG = "Member - Active"
TESSITURA_AUTH = ("callboard:admin:emulator", "emulator")


SYNC_FILES = ("callboard.yaml", "tags.yaml", "custom_fields.yaml", "data_syncs.yaml")


def _only(workspace: Workspace, *keep: str) -> Workspace:
    """The example organization cut down to what a test needs (every apply is paced at
    Prospect2's 5 requests a second)."""
    for path in (workspace.root / "manifests").glob("*.yaml"):
        if path.name not in keep:
            path.unlink()
    return workspace


@pytest.fixture
def syncs(workspace: Workspace) -> Workspace:
    return _only(workspace, *SYNC_FILES)


def _edit(workspace: Workspace, name: str, old: str, new: str) -> None:
    path = workspace.root / "manifests" / name
    text = path.read_text()
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new))


def _ok(workspace: Workspace, *args: str) -> str:
    done = workspace.run(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _tessitura(workspace: Workspace, method: str, path: str, body: Any = None) -> Any:
    answer = httpx.request(method, f"{workspace.served.base}/TessituraService{path}",
                           json=body, auth=TESSITURA_AUTH, timeout=30)
    answer.raise_for_status()
    return answer.json()


def _members(workspace: Workspace) -> list[int]:
    return [r["ConstituentId"] for r in
            _tessitura(workspace, "GET", f"/Reporting/Lists/{MEMBERS_LIST}/Contents")]


def _export(workspace: Workspace, constituents: list[int]) -> list[dict[str, Any]]:
    return _tessitura(workspace, "POST", "/Custom/Execute", {
        "ProcedureName": "LP_CALLBOARD_SYNC_EXPORT", "ParameterValues": [
            {"Name": "@constituent_ids", "Value": ",".join(map(str, constituents))}]})


def _tagged(workspace: Workspace, tag: str = TAG) -> set[str]:
    tags = workspace.served.prospect2("GET", f"/tags?search={tag}").json()["tags"]
    tag_id = next(t["id"] for t in tags if t["tag"] == tag)
    found: set[str] = set()
    offset = 0
    while True:
        page = workspace.served.prospect2(
            "GET", f"/contacts?tagid={tag_id}&limit=100&offset={offset}").json()["contacts"]
        found |= {c["email"].lower() for c in page}
        if len(page) < 100:
            return found
        offset += 100


def _field_values(workspace: Workspace, email: str) -> dict[str, str]:
    served = workspace.served
    [contact] = served.prospect2("GET", f"/contacts?email={email}").json()["contacts"]
    fields = {str(f["id"]): f["perstag"] for f in
              served.prospect2("GET", "/fields?limit=100").json()["fields"]}
    values = served.prospect2("GET", f"/contacts/{contact['id']}/fieldValues").json()
    return {fields[str(v["field"])]: v["value"] for v in values["fieldValues"]}


def _log(workspace: Workspace) -> list[dict[str, Any]]:
    return json.loads(_ok(workspace, "sync", "log", "--format", "json"))["runs"]


# -- 1. contact data and resync -------------------------------------------------------------

def test_contact_data_rides_every_import_and_values_changes_are_resynced(
        syncs: Workspace) -> None:
    _ok(syncs, "apply", "--auto-approve")
    _ok(syncs, "sync", "run", "members")
    tagged = sorted(_tagged(syncs))
    results = {r["ConstituentId"]: r for r in _tessitura(
        syncs, "POST", f"/Reporting/Lists/{MEMBERS_LIST}/Results",
        {"PageSize": 1000, "DisableListGenerate": True})}
    owner = {}
    for row in _export(syncs, sorted(results)):
        owner.setdefault(row["Address"].strip().lower(), row["ConstituentId"])
    for email in tagged[:5]:
        expected = results[owner[email]]
        assert _field_values(syncs, email) == {
            "MEMBERSHIP_LEVEL": expected["Membership Level"] or "",
            "LAST_ATTENDED": expected["Last Performance Date"] or ""}

    syncs.served.control("churn", {"list_id": MEMBERS_LIST, "change": 60, "seed": 3})
    masked = json.loads(_ok(syncs, "sync", "preview", "members", "--format", "json"))
    assert masked["counts"]["resync"] > 0 and masked["values_shown"] is False
    assert {v for vs in masked["resync_values"].values() for v in vs.values()} == {"***"}
    shown = json.loads(_ok(syncs, "sync", "preview", "members", "--format", "json",
                           "--show-values"))
    address, values = next(iter(shown["resync_values"].items()))
    _ok(syncs, "sync", "run", "members")
    assert _log(syncs)[-1]["resynced"] == masked["counts"]["resync"]
    assert _field_values(syncs, address)["MEMBERSHIP_LEVEL"] == values["MEMBERSHIP_LEVEL"]


# -- 2. one runner --------------------------------------------------------------------------

def test_a_sync_prospect2_runs_is_refused_by_sync_run_and_logged_from_prospect2(
        syncs: Workspace) -> None:
    start = datetime.now(UTC) - timedelta(days=3)  # Prospect2's runs fall in the log's window
    syncs.served.control("clock", {"now": start.isoformat()})
    _edit(syncs, "data_syncs.yaml", "    resync: values", "    resync: values\n"
          "    runner: prospect2")
    _ok(syncs, "apply", "--auto-approve")
    refused = syncs.run("sync", "run", "members")
    assert refused.returncode == 1
    assert "data_syncs.members: runner: prospect2, so Prospect2 runs it" in refused.stderr
    assert _tagged(syncs) == set() and _log(syncs) == []
    assert "Preview of data_syncs.members" in _ok(syncs, "sync", "preview", "members")
    syncs.served.control("clock", {"advance_seconds": 86_400})  # past 02:00 (Chicago)
    [run] = [r for r in _log(syncs) if r["address"] == "data_syncs.members"]
    assert run["run_by"] == "prospect2" and run["added"] == len(_tagged(syncs)) > 0


# -- 3. permissions only where integrated; Part-B kinds need a connected account ------------

def test_an_account_without_contact_permissions_tags_by_the_other_filters(
        syncs: Workspace) -> None:
    def eligible(rows: list[dict[str, Any]], *, permitted: bool) -> set[str]:
        """The members sync's filters (primary, active, Newsletter), with or without Y."""
        return {r["Address"].strip().lower() for r in rows
                if r.get("PrimaryIndicator") and not r.get("Inactive")
                and "1" in str(r.get("PurposeIds") or "").split(",")
                and (not permitted or r.get("PermissionAnswer") == "Y")}

    integrated = _export(syncs, _members(syncs))
    syncs.served.control("account", {"contactPermissionsIntegrated": False})
    _ok(syncs, "apply", "--auto-approve")
    _ok(syncs, "sync", "run", "members")
    tagged = _tagged(syncs)
    # before the fix: nobody at all; now NO and N/A answers play no part
    assert eligible(integrated, permitted=True) < tagged == eligible(integrated, permitted=False)
    assert all("PermissionAnswer" not in r for r in _export(syncs, _members(syncs)))
    _edit(syncs, "data_syncs.yaml", "      primary_only: true",
          "      primary_only: true\n      ignore_contact_permissions: true")
    refused = syncs.run("plan")
    assert refused.returncode == 1 and "data_syncs.yaml:" in refused.stderr
    assert "needs a Prospect2 account integrated with Tessitura Contact" in refused.stderr


def test_an_account_not_connected_to_tessitura_refuses_part_b_kinds(
        workspace: Workspace) -> None:
    workspace.served.control("account", {"tessituraConnected": False})
    refused = workspace.run("plan")
    assert refused.returncode == 1
    for address in ("csi_webhooks.cancellation-feedback", "data_syncs.members",
                    "campaign_writebacks.subscriptions"):
        assert f"{address}: this Prospect2 account is not connected to Tessitura" in (
            refused.stderr)
    assert not (workspace.root / ".callboard" / "state.db").exists() or not _state_rows(
        workspace, "SELECT address FROM resources")


# -- 4. purposes follow the tag -------------------------------------------------------------

def test_trigger_webhooks_keep_the_tags_purpose_on_its_addresses(syncs: Workspace) -> None:
    _ok(syncs, "apply", "--auto-approve")
    _ok(syncs, "sync", "run", "members")
    before = set(_members(syncs))
    tagged = _tagged(syncs)
    churn = syncs.served.control("churn", {"list_id": MEMBERS_LIST, "remove": 20,
                                               "seed": 5})
    _ok(syncs, "sync", "run", "members", "--force")
    untagged = tagged - _tagged(syncs)
    assert untagged and _log(syncs)[-1]["purposes_removed"] == len(untagged)
    rows = _export(syncs, sorted(before | set(churn["removed"])))
    holding = {r["Address"].strip().lower() for r in rows
               if str(PURPOSE) in str(r.get("PurposeIds") or "").split(",")}
    assert _tagged(syncs) <= holding and not untagged & holding


def test_the_summary_counts_purposes_only_on_addresses_prospect2_took(
        syncs: Workspace) -> None:
    """Members whose primary address is mistyped in Tessitura are refused by Prospect2: they
    carry no tag and get no purpose, and ``sync run`` says the purpose went on what it did."""
    _ok(syncs, "apply", "--auto-approve")
    typos = syncs.served.control("churn", {"list_id": MEMBERS_LIST, "mistype": 8,
                                           "seed": 2})["mistyped"]
    _tessitura(syncs, "POST", "/Custom/Execute", {  # none holds the purpose before the run
        "ProcedureName": "LP_CALLBOARD_SET_PURPOSES", "ParameterValues": [
            {"Name": "@purpose_id", "Value": str(PURPOSE)},
            {"Name": "@action", "Value": "remove"},
            {"Name": "@addresses", "Value": ",".join(t["Address"] for t in typos)}]})
    preview = _ok(syncs, "sync", "preview", "members")
    out = _ok(syncs, "sync", "run", "members")
    [run] = _log(syncs)
    tagged = _tagged(syncs)
    refused = set(run["rejected"])
    assert refused and refused <= {t["Address"] for t in typos} and not refused & tagged
    assert run["added"] == len(tagged) + len(refused)  # planned: every address sent
    assert run["purposes_added"] == len(tagged)
    assert (f"  contact point purpose: added to {len(tagged)}, removed from 0 (trigger "
            "webhooks)\n") in out
    # the preview says what it plans: every address sent (it cannot know who is refused)
    assert (f"  contact point purpose: to add to {run['added']}, to remove from 0 (trigger "
            "webhooks; an address Prospect2 refuses to import gets none)\n") in preview
    rows = _export(syncs, _members(syncs))
    holding = {r["Address"].strip().lower() for r in rows
               if str(PURPOSE) in str(r.get("PurposeIds") or "").split(",")}
    assert tagged <= holding and not refused & holding


# -- 5. a tag change replaces; trigger_automations on; writebacks honour since --------------

def test_a_tag_change_is_a_replace_that_says_the_old_tag_stays(syncs: Workspace) -> None:
    _edit(syncs, "data_syncs.yaml", "    trigger_automations: true            # the "
          "welcome series starts on tagging (the default)\n", "")
    _ok(syncs, "apply", "--auto-approve")
    [sync] = syncs.served.prospect2("GET", "/tessitura/dataSyncs?limit=100").json()[
        "dataSyncs"][:1]
    assert sync["triggerAutomations"] is True and sync["runBy"] == "external"
    _ok(syncs, "sync", "run", "members")
    old_tagged = _tagged(syncs)
    _edit(syncs, "tags.yaml", "    name: Donor - Lapsed", "    name: Donor - Lapsed\n"
          "    contact_point_purpose: Season Announcements")
    _edit(syncs, "data_syncs.yaml", "    tag: members-active ", "    tag: lapsed-donors ")
    plan = json.loads(_ok(syncs, "plan", "--format", "json"))
    [change] = [c for c in plan["changes"] if c["address"] == "data_syncs.members"]
    assert (change["action"], change["replace_reason"]) == ("replace", "tag")
    assert "the tag stays on the contacts that carry it" in change["impact"]
    _ok(syncs, "apply", "--auto-approve", "--force")
    _ok(syncs, "sync", "run", "members")
    assert _tagged(syncs) == old_tagged  # the old tag stays; a new, empty baseline
    assert _tagged(syncs, "Donor - Lapsed") >= old_tagged


def test_a_new_mapping_writes_back_from_its_since_and_back_fills_on_purpose(
        workspace: Workspace) -> None:
    _only(workspace, "callboard.yaml", "tags.yaml", "campaign_writebacks.yaml")
    _edit(workspace, "campaign_writebacks.yaml",
          "    since: 2026-08-01                    # this season's campaigns; older ones "
          "stay out\n", "")
    _ok(workspace, "apply", "--auto-approve")
    first = _ok(workspace, "writeback", "run")
    assert "1 sent campaign matches a mapping but was sent before its since" in first
    back_filled = _ok(workspace, "writeback", "run", "--since", "2026-08-01")
    assert "campaign 1 'SUBS Spring Preview': written back" in back_filled


# -- 6. the preview agrees with the run that follows ----------------------------------------

def test_the_preview_regenerates_and_agrees_with_the_next_run(syncs: Workspace) -> None:
    _ok(syncs, "apply", "--auto-approve")
    _ok(syncs, "sync", "run", "members")
    syncs.served.control("churn", {"list_id": MEMBERS_LIST, "add": 12, "remove": 9,
                                       "change": 20, "seed": 2})
    stale = json.loads(_ok(syncs, "sync", "preview", "members", "--no-regenerate",
                           "--format", "json"))
    assert stale["regenerated"] is False and stale["counts"]["constituents_joined"] == 0
    preview = json.loads(_ok(syncs, "sync", "preview", "members", "--format", "json"))
    assert preview["regenerated"] is True
    _ok(syncs, "sync", "run", "members", "--force")
    run = _log(syncs)[-1]
    counts = preview["counts"]
    assert (run["constituents_added"], run["constituents_removed"], run["added"],
            run["resynced"], run["removed"]) == (
        counts["constituents_joined"], counts["constituents_left"], counts["add"],
        counts["resync"], counts["remove"])


# -- bad input: one clear error, exit 1, nothing changed -------------------------------------

BAD_INPUT = [
    ("data_syncs.yaml", "      fields:", "      output_set: Pro2 Members\n      fields:",
     "data_syncs.yaml:10: data_syncs.members.contact_data.output_set: no output set is "
     "described 'Pro2 Members'"),
    ("data_syncs.yaml", "        last-attended: Last Performance Date",
     "        last-attended: Last Show", "output set 'Pro2 Member Data' has no column "
     "'Last Show'"),
    ("data_syncs.yaml", "        last-attended: Last Performance Date",
     "        email: Last Performance Date", "EMAIL is not a custom field"),
    ("data_syncs.yaml", "        last-attended: Last Performance Date",
     "        last-attended: Membership Level", "column 'Membership Level' holds"),
    ("tags.yaml", "    contact_point_purpose: Season Announcements   # kept on members' "
     "addresses in Tessitura\n", "", "data_syncs.members.trigger_webhooks: trigger_webhooks "
     "updates the tag's Contact Point Purpose"),
]


@pytest.mark.parametrize(("name", "old", "new", "says"), BAD_INPUT)
def test_bad_contact_data_and_purposes_are_one_clear_error(
        syncs: Workspace, name: str, old: str, new: str, says: str) -> None:
    writes = _writes(syncs)
    _edit(syncs, name, old, new)
    refused = syncs.run("apply", "--auto-approve")  # plans first, refuses before writing
    assert refused.returncode == 1, refused.stdout
    assert says in refused.stderr and "Traceback" not in refused.stderr
    assert refused.stderr.count("Error") == 1
    assert _writes(syncs) == writes
    assert _state_rows(syncs, "SELECT address FROM resources") == []


def _writes(workspace: Workspace) -> int:
    requests = workspace.served.control("stats")["requests"]
    return sum(n for route, n in requests.items()
               if route.split(" ")[0] in ("POST", "PUT", "DELETE") and "Custom/Execute" not in
               route and "/Results" not in route and "/Generate" not in route)


def _state_rows(workspace: Workspace, sql: str) -> list[tuple[Any, ...]]:
    db = workspace.root / ".callboard" / "state.db"
    if not db.exists():
        return []
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()
