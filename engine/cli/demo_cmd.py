"""``demo``: the sandbox walk-through, in a fresh temporary directory.

validate → plan → save and apply that plan → plan again (no changes) → a patron's reply fires a
CSI webhook → a campaign is sent and written back → the members Data Sync is previewed and
run, the list churns, a second run sends just the difference → someone edits a tag in
Prospect2 by hand → drift reports it. It checks each step's exit code, so a broken
walk-through fails loudly instead of printing something misleading. The outside world (a
patron, a campaign send, list churn) is played through the emulators' control API (spec §6),
never through provider internals.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path

import click
import httpx

from engine.cli.runtime import SANDBOX_HOST, Runtime
from engine.errors import CallboardError
from engine.state import open_state

OUT_OF_BAND_KIND = "tags"
CSI_KIND = "csi_webhooks"
PATRON_EMAIL = "patron1002@example.org"
#: "Members - Current" in the emulators' demo organization (the members sync's list).
MEMBERS_LIST_ID = 101


async def _control(rt: Runtime, route: str, body: dict) -> dict:
    """POST to the sandbox emulators' control API (as a test or a demo drives them)."""
    transport = httpx.ASGITransport(app=rt.sandbox_app())
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_HOST) as client:
        answer = await client.post(f"/_emulator/{route}", json=body)
    if answer.status_code != 200:
        raise CallboardError(f"the sandbox emulator refused {route}: {answer.text}")
    return answer.json()


def _fire_csi(rt: Runtime) -> None:
    store = open_state(str(rt.sandbox_dir / "state.db"))
    try:
        hooks = [r for r in store.resources().values()
                 if r.kind == CSI_KIND and r.fields.get("enabled")]
    finally:
        store.close()
    if not hooks:
        click.echo("(the manifests declare no enabled CSI webhook; skipped)")
        return
    hook = hooks[0]
    answer = asyncio.run(_control(rt, "automations/fire",
                                  {"csiWebhookId": hook.remote_id, "email": PATRON_EMAIL}))
    if answer.get("issueId") is None:
        raise CallboardError(f"the CSI webhook created no issue: {answer.get('reason')}")
    click.echo(f"{PATRON_EMAIL} replied; the automation's Webhook action ran "
               f"{hook.address} and Tessitura now has Customer Service Issue "
               f"{answer['issueId']}.")


def _step(title: str) -> None:
    click.echo(f"\n=== {title} ===\n")


def _run(args: list[str], expect: int) -> None:
    from engine.cli.main import main

    click.echo(f"$ callboard {' '.join(args)}")
    code = main(args)
    if code != expect:
        raise CallboardError(f"demo step 'callboard {' '.join(args)}' exited {code}, "
                             f"expected {expect}")


async def _edit_out_of_band(rt: Runtime) -> str:
    """Change a managed tag's description through the API, as a person in the UI would."""
    store = open_state(str(rt.sandbox_dir / "state.db"))
    try:
        records = [r for r in store.resources().values() if r.kind == OUT_OF_BAND_KIND]
    finally:
        store.close()
    if not records:
        raise CallboardError("the demo manifests declare no tags to edit")
    record = records[0]
    session = rt.session()
    try:
        handler = session.handler(OUT_OF_BAND_KIND)
        live = await handler.read(record.remote_id)
        if live is None:
            raise CallboardError(f"{record.address} vanished from the sandbox")
        await handler.update(live, live.value.model_copy(
            update={"description": "Edited by hand in the Prospect2 UI"}))
    finally:
        await session.aclose()
    return record.address


@click.command()
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run in this directory and keep it, instead of a temporary one.")
@click.pass_obj
def demo(rt: Runtime, keep: Path | None) -> None:
    """Sandbox walk-through: plan, apply, a CSI, a writeback, sync runs, an edit, drift."""
    source = rt.manifests_dir.resolve()
    if not source.is_dir():
        raise CallboardError(f"no example manifests at {source}: run the demo from the "
                             "Callboard repository root, or pass -m DIR")
    workdir = Path(keep).resolve() if keep else Path(tempfile.mkdtemp(prefix="callboard-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, workdir / "manifests", dirs_exist_ok=True)
    here = Path.cwd()
    os.chdir(workdir)
    try:
        click.echo(f"Callboard demo in {workdir} (sandbox: in-process emulators of Prospect2 and "
                   "Tessitura with a demo organization; nothing leaves this machine).")
        _step("1. Validate the example organization's manifests")
        _run(["--sandbox", "--no-color", "validate"], 0)
        _step("2. Plan: what Callboard would change (exit code 2 = changes present)")
        _run(["--sandbox", "--no-color", "plan", "--out", "demo.cbplan",
              "--detailed-exitcode"], 2)
        _step("3. Apply exactly that saved plan")
        _run(["--sandbox", "--no-color", "apply", "demo.cbplan"], 0)
        _step("4. Plan again: nothing left to do (exit code 0)")
        _run(["--sandbox", "--no-color", "plan", "--detailed-exitcode"], 0)
        sandbox = Runtime(manifests_dir=Path("manifests"), sandbox=True)
        _step("5. A patron replies to a cancellation email: the CSI webhook fires")
        _fire_csi(sandbox)
        _step("6. A subscription campaign goes out; writeback records it in Tessitura")
        sent = asyncio.run(_control(sandbox, "campaigns/send",
                                    {"name": "SUBS Spring Renewal", "recipients": 40}))
        click.echo(f"Prospect2 sent campaign {sent['campaignId']} 'SUBS Spring Renewal'.")
        _run(["--sandbox", "--no-color", "writeback", "run"], 0)
        _step("7. Preview and run the members Data Sync; the list changes; run it again")
        _run(["--sandbox", "--no-color", "sync", "preview", "members"], 0)
        _run(["--sandbox", "--no-color", "sync", "run", "members"], 0)
        churn = asyncio.run(_control(sandbox, "churn", {"list_id": MEMBERS_LIST_ID, "add": 6,
                                                        "remove": 3, "seed": 7}))
        click.echo(f"In Tessitura, {len(churn['added'])} constituents joined 'Members - Current' "
                   f"and {len(churn['removed'])} left.")
        _run(["--sandbox", "--no-color", "sync", "run", "members"], 0)
        _run(["--sandbox", "--no-color", "sync", "log", "members"], 0)
        _step("8. Someone edits a tag in Prospect2 by hand")
        address = asyncio.run(_edit_out_of_band(sandbox))
        click.echo(f"Changed the description of {address} through the Prospect2 API.")
        _step("9. Drift: Callboard notices (exit code 2 = drift found)")
        _run(["--sandbox", "--no-color", "drift"], 2)
        click.echo("\nDemo complete. Try it yourself: callboard --sandbox plan")
    finally:
        os.chdir(here)
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


COMMANDS = [demo]
