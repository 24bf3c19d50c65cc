"""Impact lines come from the object itself, in its kind's words.

In the example organization the tag Newsletter, the custom field AMAHL_PERF_NO, the CSI
webhook "Cancellation feedback", the writeback "single-tickets" and the Data Sync
"lapsed-donors" all have id 1 in their own tables. Once that sync has run, its baseline is in
state under id 1; a plan destroying all of them must say so for the sync only (the tag once
claimed that it "holds" the sync's constituents).
"""

from __future__ import annotations

import json
import re

from ruamel.yaml import YAML

from tests.cli.conftest import Sandbox

DROPPED = {
    "tags.yaml": ["newsletter"],
    "data_syncs.yaml": ["newsletter-subscribers", "lapsed-donors"],
    "custom_fields.yaml": ["amahl-perf-no"],
    "csi_webhooks.yaml": ["cancellation-feedback"],
    "campaign_writebacks.yaml": ["single-tickets"],
    "tessitura.yaml": ["pro2-feedback", "P2DSTrackChanges"],
}


def _drop(sandbox: Sandbox) -> None:
    yaml = YAML()
    for file, names in DROPPED.items():
        path = sandbox.manifests / file
        data = yaml.load(path.read_text())
        for kind, entries in list(data.items()):
            for name in names:
                entries.pop(name, None)
            if not entries:
                del data[kind]
        with path.open("w") as handle:
            yaml.dump(data, handle)


def _impacts(sandbox: Sandbox) -> dict[str, str | None]:
    result = sandbox.run("plan", "--format", "json")
    assert result.code == 0, result.err
    return {c["address"]: c["impact"] for c in json.loads(result.out)["changes"]
            if c["action"] == "delete"}


def test_each_kind_says_what_destroying_its_own_object_means(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    state = dict(line.split("\t") for line in sandbox.run("state", "list").out.splitlines())
    same_id = ["tags.newsletter", "custom_fields.amahl-perf-no",
               "csi_webhooks.cancellation-feedback", "campaign_writebacks.single-tickets"]
    assert {state[a] for a in same_id} == {state["data_syncs.lapsed-donors"]}
    run = sandbox.run("sync", "run", "lapsed-donors")
    assert run.code == 0, run.err
    log = json.loads(sandbox.run("sync", "log", "lapsed-donors", "--format", "json").out)
    members = log["runs"][-1]["list_size"]
    assert members > 0
    _drop(sandbox)

    impacts = _impacts(sandbox)
    assert set(impacts) == {f"{k}.{n}" for k, names in (
        ("tags", ["newsletter"]), ("data_syncs", ["newsletter-subscribers", "lapsed-donors"]),
        ("custom_fields", ["amahl-perf-no"]), ("csi_webhooks", ["cancellation-feedback"]),
        ("campaign_writebacks", ["single-tickets"]),
        ("activity_types", ["pro2-feedback"]),
        ("tessitura_defaults", ["P2DSTrackChanges"])) for n in names}
    assert re.fullmatch(r"carried by [\d,]+ contacts?", impacts["tags.newsletter"])
    assert impacts["data_syncs.lapsed-donors"] == (
        "list 'Lapsed Donors' no longer adds or removes the tag 'Donor - Lapsed'; the tag "
        f"stays on the contacts that carry it; its baseline holds {members:,} constituents")
    assert impacts["data_syncs.newsletter-subscribers"] == (
        "list 'All Constituents' no longer adds the tag 'Newsletter'; the tag stays on the "
        "contacts that carry it")  # never ran
    assert impacts["csi_webhooks.cancellation-feedback"] == (
        "automations using its URL stop creating CSIs")
    assert impacts["campaign_writebacks.single-tickets"] == (
        "campaigns it matches are no longer written back to Tessitura")
    assert impacts["custom_fields.amahl-perf-no"] is None
    assert impacts["activity_types.pro2-feedback"] is None
    assert impacts["tessitura_defaults.P2DSTrackChanges"] is None

    text = sandbox.run("plan").out
    assert f"impact: {impacts['tags.newsletter']}\n" in text
    assert text.count("its baseline holds") == 1


def test_a_replaced_sync_keeps_its_own_baseline_line(sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    assert sandbox.run("sync", "run", "lapsed-donors").code == 0
    syncs = sandbox.manifests / "data_syncs.yaml"
    syncs.write_text(syncs.read_text().replace("    tag: lapsed-donors\n",
                                               "    tag: members-active\n"))
    data = json.loads(sandbox.run("plan", "--format", "json").out)
    [change] = data["changes"]
    assert (change["address"], change["action"]) == ("data_syncs.lapsed-donors", "replace")
    assert "its baseline holds" in change["impact"]
