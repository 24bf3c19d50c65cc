"""A Prospect2 account disconnected from Tessitura after apply (QA pass): ``plan`` and
``sync run`` refused, but ``drift`` reported clean and exited 0, so a nightly drift job would
close its issue while every Data Sync, CSI webhook and writeback was out of reach.

Now drift fails as plan does: the same messages (file:line, one per Part-B resource), exit 1,
and in JSON the same error document; markdown, like plan's, writes no report."""

from __future__ import annotations

import json

from tests.cli.conftest import Sandbox

NOT_CONNECTED = ("data_syncs.members: this Prospect2 account is not connected to Tessitura "
                 "(tessituraConnected is false), so it has no CSI webhooks, Data Syncs or "
                 "writebacks: connect the account to Tessitura in Prospect2 first, or remove "
                 "this resource")


def test_drift_in_an_account_not_connected_to_tessitura_fails_as_plan_does(
        sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    assert sandbox.run("drift").code == 0  # clean while connected
    sandbox.api("POST", "/_emulator/account", {"tessituraConnected": False})

    plan = {fmt: sandbox.run("plan", "--format", fmt) for fmt in ("text", "json", "markdown")}
    for fmt in ("text", "json", "markdown"):
        drift = sandbox.run("drift", "--format", fmt)
        assert drift.code == 1, drift.out
        assert drift.err == plan[fmt].err
        assert f"manifests/data_syncs.yaml:3: {NOT_CONNECTED}\n" in drift.err
        assert "Drift:" not in drift.out and "callboard-drift" not in drift.out
    document = json.loads(sandbox.run("drift", "--format", "json").out)
    assert document == json.loads(plan["json"].out)
    assert document["error"]["kind"] == "manifest" and document["error"]["exit_code"] == 1
    assert {p["field"] for p in document["error"]["problems"]} == {
        "campaign_writebacks.single-tickets", "campaign_writebacks.subscriptions",
        "csi_webhooks.cancellation-feedback", "csi_webhooks.post-show-survey",
        "csi_webhooks.survey-reply-logged", "data_syncs.lapsed-donors", "data_syncs.members",
        "data_syncs.newsletter-subscribers"}

    sandbox.api("POST", "/_emulator/account", {"tessituraConnected": True})
    assert sandbox.run("drift").code == 0  # connected again: clean, nothing was changed
