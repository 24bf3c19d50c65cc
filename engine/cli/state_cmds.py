"""``state list | show | mv | rm | unlock | copy``: looking at, repairing and moving state.

Every change here moves the state's serial and names itself (``last_change``), so a plan saved
before it is refused as stale, naming what changed."""

from __future__ import annotations

import sys

import click

from engine.cli import params as p
from engine.cli.runtime import Runtime, lock_holder
from engine.errors import CallboardError
from engine.lock_holders import why_unknown
from engine.render.state_record import record_json
from engine.resources import NAME_PATTERN, closest_address, split_address
from engine.state import StateStore, is_postgres_url, open_state
from engine.state.base import LockInfo
from engine.state.copy import copy_state, require_source
from engine.words import plural


@click.group()
def state() -> None:
    """Inspect or repair Callboard's state."""


@state.command("list")
@p.pass_runtime
def list_(rt: Runtime) -> None:
    """Every managed address and its remote id."""
    with rt.state() as store:
        for record in store.resources().values():
            rt.output.line(f"{record.address}\t{record.remote_id}")


@state.command()
@click.argument("address")
@p.pass_runtime
def show(rt: Runtime, address: str) -> None:
    """The managed resource at ADDRESS (KIND.NAME) as state records it."""
    with rt.state() as store:
        record = store.get(address)
        if record is None:
            raise not_in_state(address, store)
        rt.output.raw(record_json(record))


@state.command()
@click.argument("src")
@click.argument("dst")
@p.pass_runtime
def mv(rt: Runtime, src: str, dst: str) -> None:
    """Move the state of SRC to DST (KIND.NAME each) after renaming the resource in a manifest
    (or declare the rename with a moved: entry instead)."""
    src_kind, _ = split_address(src)
    dst_kind, dst_name = split_address(dst)
    if src == dst:
        raise CallboardError(f"{src} and {dst} are the same address: nothing to move")
    if not dst_name:
        raise CallboardError(f"{dst} is not an address (KIND.NAME): did you mean "
                             f"{src_kind}.{dst}?")
    if src_kind != dst_kind:
        raise CallboardError(f"cannot move {src} to another kind ({dst_kind})")
    if not NAME_PATTERN.match(dst_name):
        raise CallboardError(f"bad name {dst_name!r} in {dst}")
    with rt.state(lock="state mv") as store, store.changing(f"state mv {src} {dst}"):
        record = store.get(src)
        if record is None:
            raise not_in_state(src, store)
        _check_declared(rt, src, dst, store)
        if store.get(dst) is not None:
            raise CallboardError(f"{dst} is already in state")
        store.remove(src)
        record.address, record.name = dst, dst_name
        store.put(record)
    rt.output.line(f"Moved {src} to {dst}.")


def not_in_state(address: str, store: StateStore) -> CallboardError:
    """A mistyped address names the one meant, as a mistyped manifest field does."""
    return CallboardError(f"{address} is not in state"
                          f"{closest_address(address, store.resources())}")


def _check_declared(rt: Runtime, src: str, dst: str, store: StateStore) -> None:
    """``state mv`` follows a rename in the manifests; a DST no manifest declares is a typo
    (or a move made too early), which the next plan would turn into a create and a destroy.
    Without a manifest directory (state repaired from elsewhere) there is nothing to check."""
    if dst in store.resources() or not rt.manifests_dir.is_dir():
        return
    declared = rt.load().resources
    if dst in declared:
        return
    why = "rename the resource in its manifest first, then move its state; nothing was changed"
    if src in declared:
        raise CallboardError(f"{dst} is not declared in manifests, and {src} still is: {why}")
    free = [a for a in declared if store.get(a) is None]
    hint = closest_address(dst, free)
    if hint:
        raise CallboardError(f"{dst} is not declared in manifests{hint}: {why}")


@state.command()
@click.argument("address")
@p.pass_runtime
def rm(rt: Runtime, address: str) -> None:
    """Forget the resource at ADDRESS (KIND.NAME) in state; the live object is left as it is."""
    with rt.state(lock="state rm") as store, store.changing(f"state rm {address}"):
        if store.get(address) is None:
            raise not_in_state(address, store)
        store.remove(address)
    rt.output.line(f"Removed {address} from state; the live object is untouched.")


@state.command()
@p.force_unlock
@p.pass_runtime
def unlock(rt: Runtime, force: bool) -> None:
    """Release the state lock of a run that died."""
    with rt.state() as store:
        info = store.lock_info()
        if info is None:
            rt.output.line("State was not locked.")
            return
        if not force:
            _confirm_unlock(store, info)
        with store.changing(f"state unlock (released the lock {info.describe()})"):
            store.force_unlock()
        rt.output.line(f"Released the lock {info.describe()}.")


def _confirm_unlock(store: StateStore, info: LockInfo) -> None:
    """Releasing a lock its run still uses lets two runs change state at once, so a person
    says yes: at the prompt, or with --force where there is no terminal."""
    if store.live_lock() is None:
        why = "that run has ended, so releasing it is safe (the next run would take it over)"
    elif is_postgres_url(store.url):
        raise CallboardError(f"the lock is {info.describe()} and that run is still connected; "
                             "it is released when the run ends, so stop it instead")
    else:
        why = (f"Callboard cannot tell whether that run has ended ({why_unknown(info.holder)}),"
               " and releasing the lock of a run that still writes lets two runs change state "
               "at once")
    if not sys.stdin.isatty():
        raise CallboardError(f"state {store.url} is locked: {info.describe()}; {why}. "
                             "Unlocking needs confirmation: pass --force once you are sure.")
    answer = click.prompt(f"Release the lock {info.describe()}? ({why}) Only 'yes' will be "
                          "accepted", default="", show_default=False)
    if answer.strip() != "yes":
        raise CallboardError("unlock cancelled")


@state.command()
@click.argument("src")
@click.argument("dst")
@p.force_copy
@p.pass_runtime
def copy(rt: Runtime, src: str, dst: str, force: bool) -> None:
    """Copy every record of state SRC into DST (a SQLite path or postgresql:// URL), exactly:
    lineage, serial, journals, sync baselines and ledgers."""
    source = open_state(src, read_only=True)  # a typo must not create an empty source
    try:
        require_source(source)
        target = open_state(dst)
        try:
            summary = copy_state(source, target, lock_holder(), force=force)
            shown_src, shown_dst = source.url, target.url
        finally:
            target.close()
    finally:
        source.close()
    if summary.backup:
        rt.output.line(f"Kept a backup of the state it replaced at {summary.backup}.")
    resources = summary.rows.get("resources", 0)
    rt.output.line(f"Copied state {shown_src} to {shown_dst}: {plural(resources, 'resource')}, "
                   f"{plural(sum(summary.rows.values()), 'record')} in all (lineage "
                   f"{summary.lineage}, "
                   f"serial {summary.serial}).")


COMMANDS = [state]
