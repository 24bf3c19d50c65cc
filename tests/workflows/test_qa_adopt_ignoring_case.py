"""Prospect2 refuses a second tag whose name differs only in case ("vip" beside "VIP"). The plan
showed `+ create`, and apply failed with 422 after the other changes went through. Adoption
now finds the object whatever the case when no object has the exact key, as renames and
generate already compare keys: the plan shows an update of the live tag, and apply settles."""

from __future__ import annotations

import json

from tests.cli.conftest import Sandbox
from tests.workflows.state_support import live_tags


def test_declaring_a_tag_whose_name_differs_only_in_case_adopts_it(sandbox: Sandbox) -> None:
    (sandbox.manifests / "vip.yaml").write_text("tags:\n  vip:\n    name: vip\n"
                                                "    description: Very important patrons\n")
    planned = sandbox.run("plan", "--format", "json")
    assert planned.code == 0, planned.err
    vip = next(c for c in json.loads(planned.out)["changes"] if c["address"] == "tags.vip")
    assert vip["action"] == "update"
    assert vip["remote_id"] == sandbox.tag_id("VIP")

    applied = sandbox.run("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert "vip" in live_tags(sandbox) and "VIP" not in live_tags(sandbox)
    assert sandbox.run("plan", "--detailed-exitcode").code == 0


def test_declarations_whose_names_differ_only_in_case_are_each_refused(sandbox: Sandbox) -> None:
    (sandbox.manifests / "twins.yaml").write_text("tags:\n  twin-a: {name: Twin}\n"
                                                  "  twin-b: {name: twin}\n"
                                                  "  twin-c: {name: TWIN}\n")
    before = live_tags(sandbox)
    for command in (("plan",), ("apply", "--auto-approve")):
        result = sandbox.run(*command)
        assert result.code == 1
        assert result.err.strip() == (
            "Error: manifests/twins.yaml:3: tags.twin-b and tags.twin-a (manifests/twins.yaml:2)"
            " both declare the tags object 'twin'; one object can have only one address\n"
            "manifests/twins.yaml:4: tags.twin-c and tags.twin-a (manifests/twins.yaml:2) both "
            "declare the tags object 'TWIN'; one object can have only one address")
    assert live_tags(sandbox) == before


def test_validate_finds_one_object_declared_under_two_names(sandbox: Sandbox) -> None:
    """Offline, before any plan: the same tag name (or one differing in case) under two keys
    is one live object with two addresses, named with both places."""
    (sandbox.manifests / "twins.yaml").write_text("tags:\n  twin-a: {name: Twin}\n")
    (sandbox.manifests / "more.yaml").write_text("tags:\n  twin-b: {name: Twin}\n"
                                                 "  twin-c: {name: TWIN}\n")
    result = sandbox.run("validate")
    assert result.code == 1
    assert result.err.splitlines() == [
        "Error: manifests/more.yaml:2: tags.twin-b and tags.twin-a (manifests/twins.yaml:2) both"
        " declare the tags object 'Twin'; one object can have only one address",
        "manifests/more.yaml:3: tags.twin-c and tags.twin-a (manifests/twins.yaml:2) both"
        " declare the tags object 'TWIN'; one object can have only one address"]
    document = json.loads(sandbox.run("validate", "--format", "json").out)
    assert [(e["file"], e["line"]) for e in document["errors"]] == [
        ("manifests/more.yaml", 2), ("manifests/more.yaml", 3)]
