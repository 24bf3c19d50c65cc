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
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

import click
import httpx

from engine.cli import params as p
from engine.cli.runtime import SANDBOX_HOST, Job, Runtime
from engine.errors import CallboardError

OUT_OF_BAND_KIND = "tags"
CSI_KIND = "csi_webhooks"
PATRON_EMAIL = "patron1002@example.org"
#: "Members - Current" in the emulators' demo organization (the members sync's list).
MEMBERS_LIST_ID = 101
#: Every step runs the real CLI against the demo's own sandbox, in plain text.
SANDBOX = ["--sandbox", "--no-color"]
#: Manifest and settings files, the only files copied from the example organization.
MANIFEST_SUFFIXES = (".yaml", ".yml")
#: The user's own manifests and state: the demo's steps must not read or write them.
USER_VARIABLES = ("CALLBOARD_MANIFESTS", "CALLBOARD_STATE")


def _example_manifests() -> Path:
    """The example organization a provider package ships (the engine imports no provider)."""
    found = list(entry_points(group="callboard.example"))
    if not found:
        raise CallboardError("no example organization is registered: reinstall Callboard "
                             "with pip (pip install .), then run the demo again")
    try:
        return Path(found[0].load()())
    except FileNotFoundError as exc:
        raise CallboardError(str(exc)) from exc


def _demo_manifests(rt: Runtime) -> Path:
    """``-m DIR`` given on the command line, else the shipped example organization.

    CALLBOARD_MANIFESTS is not used here: it names the user's own manifests, on which the
    demo's steps (the members sync, a CSI webhook) would fail.
    """
    flags = click.get_current_context().ensure_object(p.GlobalFlags)
    if "manifests" in flags.given:
        source = rt.manifests_dir.resolve()
        if not source.is_dir():
            raise CallboardError(f"no manifest directory {source}")
        return source
    return _example_manifests()


def _manifest_files(source: Path) -> list[Path]:
    return sorted(f.relative_to(source) for f in source.rglob("*")
                  if f.is_file() and f.suffix in MANIFEST_SUFFIXES)


def _refuse_overwrite(source: Path, out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise CallboardError(f"--out {out} is a file, not a directory")
    taken = [str(name) for name in _manifest_files(source) if (out / name).exists()]
    if taken:
        raise CallboardError(f"--out {out} already has {', '.join(taken)}: nothing was "
                             "written and the demo did not run; choose a new or empty "
                             "directory")


def _copy_manifests(source: Path, target: Path) -> None:
    for name in _manifest_files(source):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, target / name)


def _next_step(out: Path | None, here: Path) -> str:
    if out is None:
        return ("To start from the example organization: callboard demo --out manifests, "
                "then callboard --sandbox plan")
    where = "" if out == here / "manifests" else f" -m {out}"
    return f"The example manifests are in {out}: try callboard --sandbox{where} plan"


def _control(rt: Runtime, route: str, body: dict) -> dict:
    """POST to the sandbox emulators' control API (as a test or a demo drives them)."""
    async def post(job: Job) -> httpx.Response:
        transport = httpx.ASGITransport(app=rt.sandbox_app())
        async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_HOST) as client:
            return await client.post(f"/_emulator/{route}", json=body)

    answer = rt.run(post, state=False)
    if answer.status_code != 200:
        raise CallboardError(f"the sandbox emulator refused {route}: {answer.text}")
    return answer.json()


def _fire_csi(rt: Runtime) -> None:
    with rt.state() as store:
        hooks = [r for r in store.resources().values()
                 if r.kind == CSI_KIND and r.fields.get("enabled")]
    if not hooks:
        click.echo("(the manifests declare no enabled CSI webhook; skipped)")
        return
    hook = hooks[0]
    answer = _control(rt, "automations/fire",
                      {"csiWebhookId": hook.remote_id, "email": PATRON_EMAIL})
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
    code = main([*SANDBOX, *args])
    if code != expect:
        raise CallboardError(f"demo step 'callboard {' '.join(args)}' exited {code}, "
                             f"expected {expect}")


async def _edit_out_of_band(job: Job) -> str:
    """Change a managed tag's description through the API, as a person in the UI would."""
    records = [r for r in (await asyncio.to_thread(job.state.resources)).values()
               if r.kind == OUT_OF_BAND_KIND]
    if not records:
        raise CallboardError("the demo manifests declare no tags to edit")
    record = records[0]
    handler = job.session.handler(OUT_OF_BAND_KIND)
    live = await handler.read(record.remote_id)
    if live is None:
        raise CallboardError(f"{record.address} vanished from the sandbox")
    await handler.update(live, live.value.model_copy(
        update={"description": "Edited by hand in the Prospect2 UI"}))
    return record.address


def _plan_and_apply(_: Runtime) -> None:
    _step("1. Validate the example organization's manifests")
    _run(["validate"], 0)
    _step("2. Plan: what Callboard would change (exit code 2 = changes present)")
    _run(["plan", "--out", "demo.cbplan", "--detailed-exitcode"], 2)
    _step("3. Apply exactly that saved plan")
    _run(["apply", "demo.cbplan"], 0)
    _step("4. Plan again: nothing left to do (exit code 0)")
    _run(["plan", "--detailed-exitcode"], 0)


def _integrations(sandbox: Runtime) -> None:
    _step("5. A patron replies to a cancellation email: the CSI webhook fires")
    _fire_csi(sandbox)
    _step("6. A subscription campaign goes out; writeback records it in Tessitura")
    sent = _control(sandbox, "campaigns/send", {"name": "SUBS Spring Renewal", "recipients": 40})
    click.echo(f"Prospect2 sent campaign {sent['campaignId']} 'SUBS Spring Renewal'.")
    _run(["writeback", "run"], 0)


def _data_sync(sandbox: Runtime) -> None:
    _step("7. Preview and run the members Data Sync; the list changes; run it again")
    _run(["sync", "preview", "members"], 0)
    _run(["sync", "run", "members"], 0)
    churn = _control(sandbox, "churn", {"list_id": MEMBERS_LIST_ID, "add": 6, "remove": 3,
                                        "seed": 7})
    click.echo(f"In Tessitura, {len(churn['added'])} constituents joined 'Members - Current' "
               f"and {len(churn['removed'])} left.")
    _run(["sync", "run", "members"], 0)
    _run(["sync", "log", "members"], 0)


def _drift(sandbox: Runtime) -> None:
    _step("8. Someone edits a tag in Prospect2 by hand")
    address = sandbox.run(_edit_out_of_band)
    click.echo(f"Changed the description of {address} through the Prospect2 API.")
    _step("9. Drift: Callboard notices (exit code 2 = drift found)")
    _run(["drift"], 2)


STEPS: list[Callable[[Runtime], None]] = [_plan_and_apply, _integrations, _data_sync, _drift]


def _workdir(source: Path, keep: Path | None) -> Path:
    workdir = Path(keep).resolve() if keep else Path(tempfile.mkdtemp(prefix="callboard-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    _copy_manifests(source, workdir / "manifests")
    return workdir


@click.command()
@p.demo_keep
@p.demo_out
@p.pass_runtime
def demo(rt: Runtime, keep: Path | None, out: Path | None) -> None:
    """Sandbox walk-through: plan, apply, a CSI, a writeback, sync runs, an edit, drift.

    It runs the example organization shipped with Callboard, from any directory (-m DIR on
    the command line runs it on other manifests).
    """
    source = _demo_manifests(rt)
    if out is not None:
        out = out.resolve()
        _refuse_overwrite(source, out)
    workdir = _workdir(source, keep)
    if out is not None:
        _copy_manifests(source, out)
    here = Path.cwd()
    saved = {name: os.environ.pop(name) for name in USER_VARIABLES if name in os.environ}
    os.chdir(workdir)
    try:
        click.echo(f"Callboard demo in {workdir} (sandbox: in-process emulators of Prospect2 and "
                   "Tessitura with a demo organization; nothing leaves this machine).")
        sandbox = Runtime(manifests_dir=Path("manifests"), sandbox=True)
        for step in STEPS:
            step(sandbox)
        click.echo(f"\nDemo complete. {_next_step(out, here)}")
    finally:
        os.chdir(here)
        os.environ.update(saved)
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


COMMANDS = [demo]
