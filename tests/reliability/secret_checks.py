"""Distinctive secrets after a full demo-like flow: none in state, plans, logs or output.

The emulator is served with a token and a password nobody would type by accident, so a
leak is found by plain substring search: in every table of the state file, every file the
run wrote (saved plans, generated manifests), and all output of every command at ``-vv``,
in text, markdown and JSON, and in error messages. The CSI webhook URL carries a token too;
``callboard output`` prints it on purpose and is the one command not searched.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from tests.reliability.figures import Figure, figure
from tests.reliability.served import Emulator, Workspace

TOKEN = "tok-SECRET-4f1c"
PASSWORD = "pw-SECRET-9a2b"
CSI = "csi_webhooks.cancellation-feedback"


def _flow(workspace: Workspace, emulator: Emulator) -> list[tuple[str, str, int]]:
    """Every command a team's pipelines and people run: (command, all it printed, exit)."""
    said: list[tuple[str, str, int]] = []

    def run(*args: str, env: dict[str, str] | None = None) -> None:
        done = workspace.run("-vv", *args, env=env)
        said.append((" ".join(args), done.stdout + done.stderr, done.returncode))

    run("validate", "--online")
    run("plan", "--out", "saved.cbplan")
    run("plan", "--format", "markdown")
    run("plan", "--format", "json")
    run("apply", "saved.cbplan")
    contact = emulator.prospect2("GET", "/contacts?limit=1").json()["contacts"][0]
    webhooks = emulator.prospect2("GET", "/tessitura/csiWebhooks").json()
    for hook in next(iter(v for v in webhooks.values() if isinstance(v, list)), []):
        emulator.control("automations/fire", {"csiWebhookId": str(hook["id"]),
                                              "email": contact["email"]})
    run("sync", "run", "members")
    run("sync", "preview", "members", "--format", "json")
    run("sync", "log", "--format", "json")
    emulator.control("campaigns/send", {"name": "SUBS Spring Renewal", "recipients": 20})
    run("writeback", "run")
    run("drift")
    run("drift", "--format", "markdown")
    run("drift", "--format", "json")
    run("state", "list")
    run("state", "show", CSI)
    run("generate", "--out", "generated")
    run("plan", env={"TESSITURA_PASSWORD": "not-it"})  # errors: a refused login
    run("plan", env={"PROSPECT2_API_TOKEN": "not-it"})
    fields = workspace.root / "manifests" / "custom_fields.yaml"
    fields.write_text(fields.read_text() + "  clash:\n    title: seat_location\n"
                      "    type: text\n    perstag: SEAT_TWO\n")
    run("apply", "--auto-approve")  # errors: Prospect2 refuses a write
    return said


def _files(root: Path) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".db":
            with sqlite3.connect(path) as conn:
                found.append((str(path.relative_to(root)), "\n".join(conn.iterdump())))
        elif not path.name.endswith(("-wal", "-shm")):
            found.append((str(path.relative_to(root)), path.read_bytes().decode(errors="replace")))
    return found


def secrets_stay_secret(emulator: Emulator, root: Path) -> Figure:
    """``emulator`` must be served with ``TOKEN`` and ``PASSWORD``."""
    workspace = Workspace.fresh(root / "secrets", emulator)
    said = _flow(workspace, emulator)
    printed = workspace.run("output", CSI, "url").stdout.strip()
    csi_token = parse_qs(urlparse(printed).query).get("token", [""])[0]
    problems: list[str] = []
    if not re.fullmatch(r"[0-9a-f]{16,}", csi_token):
        problems.append(f"could not read the CSI URL token from 'output': {printed!r}")
    secrets = {"token": TOKEN, "password": PASSWORD, "CSI URL token": csi_token or TOKEN}
    for command in ("apply saved.cbplan", "sync run members", "writeback run"):
        if not any(cmd == command and code == 0 for cmd, _, code in said):
            problems.append(f"the flow did not get through '{command}'")
    places = [(f"output of {cmd}", text) for cmd, text, _ in said] + _files(workspace.root)
    hits = 0
    for where, text in places:
        for what, value in secrets.items():
            count = text.count(value)
            if count:
                hits += count
                problems.append(f"{what} found {count}x in {where}")
    return figure("secrets", 1,
                  f"{len(said)} commands and {len(places) - len(said)} files (state dumped "
                  f"table by table): {hits} occurrences of token, password or CSI URL token",
                  problems)
