"""A served emulator with distinctive secrets, PostgreSQL state with the recipes' two roles, and
the recipes' workflows run against loopback stand-ins of GitHub and GitLab.

The recipes' steps are executed as written, so a test failing here means a team copying the
recipe would fail too.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from ruamel.yaml import YAML

from engine.state import open_state
from tests.e2e.conftest import EXAMPLE
from tests.pg import PgCluster, pg_cluster  # noqa: F401 - the session's PostgreSQL cluster
from tests.pipelines.forge_http import Git
from tests.pipelines.script_run import REPO
from tests.served_process import CALLBOARD, emulator_process

WORKFLOWS = REPO / "examples" / "github-actions" / ".github" / "workflows"
STATE_ROLES = REPO / "examples" / "postgresql" / "state-roles.sql"
TOKEN = "tok-PIPELINE-7f3a9c1e"
PASSWORD = "pw-PIPELINE-b81d44"


def load_yaml(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text())


@dataclass
class Emulator:
    base: str
    process: subprocess.Popen[str]

    def prospect2(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        answer = httpx.request(method, f"{self.base}/api/3{path}",
                               headers={"Api-Token": TOKEN}, timeout=10, **kwargs)
        answer.raise_for_status()
        return answer

    def tag(self, name: str) -> dict[str, Any] | None:
        tags = self.prospect2("GET", "/tags", params={"search": name}).json()["tags"]
        return next((t for t in tags if t["tag"] == name), None)

    def tessitura(self, path: str) -> Any:
        answer = httpx.get(f"{self.base}/TessituraService{path}", timeout=10,
                           auth=("callboard:admin:emulator", PASSWORD))
        answer.raise_for_status()
        return answer.json()

    def control(self, route: str, body: dict[str, Any] | None = None) -> Any:
        """The outside world, through the control API (``/_emulator/``, spec section 6)."""
        answer = (httpx.get(f"{self.base}/_emulator/{route}", timeout=10) if body is None else
                  httpx.post(f"{self.base}/_emulator/{route}", json=body, timeout=10))
        answer.raise_for_status()
        return answer.json()

    def written_back(self, campaign: str) -> list[dict[str, Any]]:
        """Tessitura's sources for a campaign's writeback: ``NumContacts`` counts promotions."""
        return [self.tessitura(f"/Finance/Sources/{s['Id']}")
                for s in self.tessitura("/Finance/Sources/Summary")
                if campaign in s["Description"]]

    def edit_tag(self, name: str, description: str) -> None:
        """An out-of-band edit, as a person in Prospect2's UI would make it."""
        tag = self.tag(name)
        assert tag is not None, name
        self.prospect2("PUT", f"/tags/{tag['id']}", json={"tag": {
            "tag": name, "tagType": tag.get("tagType", "contact"), "description": description}})


def written_back(out: str, campaign_id: str, name: str) -> int:
    """How many promotions the writeback run says it inserted for the campaign."""
    found = re.search(rf"campaign {campaign_id} '{name}': written back \(mapping subscriptions, "
                      r"source \d+\): (\d+) promotions inserted", out)
    assert found, out
    return int(found.group(1))


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with emulator_process(seed="demo", token=TOKEN, password=PASSWORD) as (base, process):
        yield Emulator(base, process)


@pytest.fixture
def github() -> Iterator[Any]:
    """A GitHub stand-in whose main holds the example manifests."""
    from tests.pipelines.github_standin import GitHubStandIn

    with GitHubStandIn(Git.of_directory(EXAMPLE)) as stand_in:
        yield stand_in


@pytest.fixture
def gitlab() -> Iterator[Any]:
    """A GitLab stand-in whose main holds the example manifests."""
    from tests.pipelines.gitlab_standin import GitLabStandIn

    with GitLabStandIn(Git.of_directory(EXAMPLE)) as stand_in:
        yield stand_in


@dataclass
class StateUrls:
    """The state database as the apply role and as the read-only plan role reach it."""

    apply: str
    plan: str


def ran_days_ago(state_url: str, address: str, days: int) -> None:
    """Move Data Sync ``address``'s log (its runs, and the mark apply left when it made it)
    ``days`` back, so cron finds it due now: the pipelines run on the real clock, which a test
    cannot move."""
    when = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    with closing(open_state(state_url)) as store:
        entries = store.sync_runs(address, "")
        assert entries, f"{address} has no run or activation in the log"
        for entry in entries:
            store.log_sync_run(replace(entry, started_at=when, finished_at=when))


@pytest.fixture
def state(pg_cluster: PgCluster, emulator: Emulator) -> StateUrls:  # noqa: F811
    """A fresh state database set up with examples/postgresql/state-roles.sql, opened once by
    the apply role as the recipes' READMEs say; and the demo organization, fresh."""
    httpx.post(f"{emulator.base}/_emulator/reset", json={"seed": "demo"}, timeout=10)
    url = pg_cluster.new_database()
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(STATE_ROLES.read_text())
    urls = StateUrls(url.replace("postgres@", "callboard_apply@"),
                     url.replace("postgres@", "callboard_plan@"))
    opened = subprocess.run([*CALLBOARD, "--state", urls.apply, "state", "list"],
                            capture_output=True, text=True, timeout=60)
    assert opened.returncode == 0, opened.stderr
    return urls


def secrets_for(emulator: Emulator, state: StateUrls) -> dict[str, str]:
    """What a team stores: production secrets (apply role) and the plan jobs' own set."""
    shared = {"PROSPECT2_URL": f"{emulator.base}/api/3",
              "TESSITURA_URL": f"{emulator.base}/TessituraService",
              "TESSITURA_LOCATION": "emulator"}
    production = {"CALLBOARD_STATE": state.apply, "PROSPECT2_API_TOKEN": TOKEN,
                  "TESSITURA_USER": "callboard", "TESSITURA_USERGROUP": "admin",
                  "TESSITURA_PASSWORD": PASSWORD}
    # The emulator accepts one Tessitura login, so the plan jobs' Tessitura user is the same
    # here; in production it is a user of a read-only usergroup (see the recipes' READMEs).
    plan = {"CALLBOARD_PLAN_STATE": state.plan, "CALLBOARD_PLAN_PROSPECT2_API_TOKEN": TOKEN,
            "CALLBOARD_PLAN_TESSITURA_USER": "callboard",
            "CALLBOARD_PLAN_TESSITURA_USERGROUP": "admin",
            "CALLBOARD_PLAN_TESSITURA_PASSWORD": PASSWORD}
    return {**shared, **production, **plan}


def gitlab_variables(emulator: Emulator, state: StateUrls, plan_token: str, apply_token: str,
                     plan_bot: str) -> dict[str, list[Any]]:
    """CI/CD variables as the GitLab recipe's README sets them: the same names scoped to the
    callboard-plan environment (read-only, not protected) and to production (protected)."""
    from tests.pipelines.gitlab_runner import Variable

    plan = secrets_for(emulator, state)
    shared = {"PROSPECT2_URL": plan["PROSPECT2_URL"], "TESSITURA_URL": plan["TESSITURA_URL"],
              "TESSITURA_LOCATION": "emulator", "CALLBOARD_PLAN_BOT": plan_bot}
    scoped = {"CALLBOARD_STATE": (state.plan, state.apply),
              "PROSPECT2_API_TOKEN": (TOKEN, TOKEN),
              "TESSITURA_USER": ("callboard", "callboard"),
              "TESSITURA_USERGROUP": ("admin", "admin"),
              "TESSITURA_PASSWORD": (PASSWORD, PASSWORD),
              "CALLBOARD_GITLAB_TOKEN": (plan_token, apply_token)}
    out: dict[str, list[Any]] = {k: [Variable(v)] for k, v in shared.items()}
    for key, (reading, writing) in scoped.items():
        out[key] = [Variable(reading, "callboard-plan"),
                    Variable(writing, "production", protected=True)]
    return out
