"""A Prospect2 account disconnected from Tessitura after apply: plan refuses the Part-B kinds,
and sync and writeback runs must too (Prospect2's own runner does), rather than use an
integration the account no longer has."""

from __future__ import annotations

import json

from tests.cli.conftest import Sandbox


def test_a_sync_run_in_an_account_not_connected_to_tessitura_is_refused(
        sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    tagged = sandbox.api("GET", "/api/3/contactTags?limit=1").json()["meta"]["total"]
    sandbox.api("POST", "/_emulator/account", {"tessituraConnected": False})
    for args in (("sync", "run", "members"), ("sync", "preview", "members")):
        result = sandbox.run(*args)
        assert result.code == 1, result.out
        assert result.err.strip() == (
            "Error: data_syncs.members: this Prospect2 account is not connected to Tessitura "
            "(tessituraConnected is false): connect it to Tessitura in Prospect2 first; "
            "nothing was changed")
    assert sandbox.api("GET", "/api/3/contactTags?limit=1").json()["meta"]["total"] == tagged
    assert json.loads(sandbox.run("sync", "log", "--format", "json").out)["runs"] == []


def test_a_writeback_run_in_an_account_not_connected_to_tessitura_is_refused(
        sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    sandbox.api("POST", "/_emulator/account", {"tessituraConnected": False})
    result = sandbox.run("writeback", "run")
    assert result.code == 1, result.out
    assert result.err.strip() == (
        "Error: writeback run: this Prospect2 account is not connected to Tessitura "
        "(tessituraConnected is false): connect it to Tessitura in Prospect2 first; nothing "
        "was changed")
    sandbox.api("POST", "/_emulator/account", {"tessituraConnected": True})
    written = sandbox.run("writeback", "run")  # nothing was recorded as written back
    assert written.code == 0 and "60 promotions inserted, 0 already present" in written.out
