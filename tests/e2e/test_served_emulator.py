"""The CLI against ``callboard emulator serve`` over real TCP: the loop, faults, bad config."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from collections import Counter
from pathlib import Path

from tests.e2e.conftest import Workspace


def _tag_names(workspace: Workspace) -> list[str]:
    names: list[str] = []
    offset = 0
    while True:
        page = workspace.served.prospect2("GET", f"/tags?limit=100&offset={offset}").json()
        names += [t["tag"] for t in page["tags"]]
        offset += 100
        if offset >= int(page["meta"]["total"]):
            return names


def _account_reads(workspace: Workspace) -> int:
    return workspace.served.control("stats")["requests"].get("GET /api/3/tessitura/account", 0)


def test_plan_apply_plan_drift(workspace: Workspace) -> None:
    assert workspace.run("validate").returncode == 0
    asked = _account_reads(workspace)
    plan = workspace.run("plan", "--out", "plan.cbplan", "--detailed-exitcode")
    assert plan.returncode == 2, plan.stderr
    # the check and the account rules share one read: 5 calls a second are all an account has
    assert _account_reads(workspace) - asked == 1
    applied = workspace.run("apply", "plan.cbplan")
    assert applied.returncode == 0, applied.stderr
    assert workspace.run("plan", "--detailed-exitcode").returncode == 0
    assert workspace.run("drift").returncode == 0

    tags = workspace.served.prospect2("GET", "/tags?search=Member - Active").json()["tags"]
    [tag] = [t for t in tags if t["tag"] == "Member - Active"]
    workspace.served.prospect2("DELETE", f"/tags/{tag['id']}")
    drift = workspace.run("drift", "--format", "json")
    assert drift.returncode == 2
    items = json.loads(drift.stdout)["items"]
    assert {"type": "deleted", "address": "tags.members-active"}.items() <= items[0].items()
    again = workspace.run("plan", "--format", "json")
    [change] = json.loads(again.stdout)["changes"]
    assert change["action"] == "create" and "deleted outside Callboard" in change["notes"][0]


def test_apply_converges_under_faults_without_duplicates(workspace: Workspace) -> None:
    workspace.served.control("faults", {"rate_429": 0.2, "error_rate": 0.1,
                                        "enforce_rate_limit": True})
    before = workspace.served.control("stats")["rate_limited"]
    applied = workspace.run("apply", "--auto-approve", timeout=300)
    assert applied.returncode == 0, applied.stderr
    assert workspace.served.control("stats")["rate_limited"] == before
    # the test's own reads below are not paced like the client's: lift the limit for them
    workspace.served.control("faults", {"rate_429": 0.0, "error_rate": 0.0,
                                        "enforce_rate_limit": False})
    assert workspace.run("plan", "--detailed-exitcode").returncode == 0
    counts = Counter(_tag_names(workspace))
    assert counts["Member - Active"] == 1 and max(counts.values()) == 1


def test_killed_apply_finishes_when_run_again(workspace: Workspace) -> None:
    assert workspace.run("plan", "--out", "plan.cbplan").returncode == 0
    workspace.served.control("faults", {"latency_ms": 300})
    process = workspace.popen("apply", "--parallelism", "1", "plan.cbplan")
    journal = workspace.root / ".callboard" / "state.db"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _finished_changes(journal) < 2:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)  # part-way through: some changes done, some not
    process.wait()
    workspace.served.control("faults", {"latency_ms": 0})
    workspace.run("state", "unlock", "--force")  # the killed run could not release its lock
    resumed = workspace.run("apply", "plan.cbplan")
    assert resumed.returncode == 0, resumed.stderr
    assert "already applied by an earlier run of this plan" in resumed.stdout
    again = workspace.run("apply", "plan.cbplan")  # a re-run pipeline job
    assert again.returncode == 0 and "already applied completely" in again.stdout
    assert workspace.run("plan", "--detailed-exitcode").returncode == 0
    assert max(Counter(_tag_names(workspace)).values()) == 1


def _finished_changes(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM apply_journal").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_bad_token_is_one_clear_error(workspace: Workspace) -> None:
    result = workspace.run("plan", env={"PROSPECT2_API_TOKEN": "wrong"})
    assert result.returncode == 1
    assert "PROSPECT2_API_TOKEN" in result.stderr and "Traceback" not in result.stderr
    assert "wrong" not in result.stderr


def test_unreachable_server_is_one_clear_error(workspace: Workspace) -> None:
    result = workspace.run("plan", env={"PROSPECT2_URL": "http://127.0.0.1:9/api/3"})
    assert result.returncode == 1
    assert "reach" in result.stderr and "Traceback" not in result.stderr


def test_missing_configuration_names_the_variable(workspace: Workspace) -> None:
    result = workspace.run("plan", env={"PROSPECT2_URL": ""})
    assert result.returncode == 1 and "PROSPECT2_URL" in result.stderr
    tessitura = workspace.run("plan", env={"TESSITURA_URL": ""})
    assert tessitura.returncode == 1 and "TESSITURA_URL is not set" in tessitura.stderr
    # a plan of Prospect2-only kinds needs no Tessitura; validate --online checks every service
    for name in ("tessitura", "csi_webhooks", "data_syncs", "campaign_writebacks"):
        (workspace.root / "manifests" / f"{name}.yaml").unlink()
    tags = workspace.root / "manifests" / "tags.yaml"  # a tag's purpose is Tessitura's
    tags.write_text("".join(line for line in tags.read_text().splitlines(keepends=True)
                            if "contact_point_purpose" not in line))
    assert workspace.run("plan", env={"TESSITURA_URL": ""}).returncode == 0
    online = workspace.run("validate", "--online", env={"TESSITURA_PASSWORD": "nope"})
    assert online.returncode == 1 and "TESSITURA_USER" in online.stderr
    assert "nope" not in online.stderr
