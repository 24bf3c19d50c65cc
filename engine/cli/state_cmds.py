"""``state list | show | mv | rm | unlock | copy``: looking at, repairing and moving state."""

from __future__ import annotations

import sys

import click

from engine.cli import params as p
from engine.cli.runtime import Runtime, lock_holder
from engine.errors import CallboardError
from engine.render.state_record import record_json
from engine.resources import NAME_PATTERN, split_address
from engine.state import open_state
from engine.state.copy import copy_state
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
    """One managed resource as state records it."""
    with rt.state() as store:
        record = store.get(address)
        if record is None:
            raise CallboardError(f"{address} is not in state")
        rt.output.raw(record_json(record))


@state.command()
@click.argument("src")
@click.argument("dst")
@p.pass_runtime
def mv(rt: Runtime, src: str, dst: str) -> None:
    """Rename a managed resource's address (after renaming it in a manifest)."""
    src_kind, _ = split_address(src)
    dst_kind, dst_name = split_address(dst)
    if src_kind != dst_kind:
        raise CallboardError(f"cannot move {src} to another kind ({dst_kind})")
    if not NAME_PATTERN.match(dst_name):
        raise CallboardError(f"bad name {dst_name!r} in {dst}")
    with rt.state(lock="state mv") as store:
        record = store.get(src)
        if record is None:
            raise CallboardError(f"{src} is not in state")
        if store.get(dst) is not None:
            raise CallboardError(f"{dst} is already in state")
        store.remove(src)
        record.address, record.name = dst, dst_name
        store.put(record)
    rt.output.line(f"Moved {src} to {dst}.")


@state.command()
@click.argument("address")
@p.pass_runtime
def rm(rt: Runtime, address: str) -> None:
    """Forget a resource in state; the live object is left as it is."""
    with rt.state(lock="state rm") as store:
        if store.get(address) is None:
            raise CallboardError(f"{address} is not in state")
        store.remove(address)
    rt.output.line(f"Removed {address} from state; the live object is untouched.")


@state.command()
@p.force_unlock
@p.pass_runtime
def unlock(rt: Runtime, force: bool) -> None:
    """Clear a stale lock left by a run that died."""
    with rt.state() as store:
        info = store.lock_info()
        if info is None:
            rt.output.line("State was not locked.")
            return
        lock_is_live = getattr(store, "lock_is_live", None)
        if callable(lock_is_live) and lock_is_live():
            raise CallboardError(f"the lock is {info.describe()} and that run is still "
                                 "connected; it is released when the run ends")
        if not force:
            _confirm_unlock(info.describe())
        store.force_unlock()
        rt.output.line(f"Released the lock {info.describe()}.")


def _confirm_unlock(detail: str) -> None:
    """Unlocking under a live run lets two runs write at once, so a person must say yes."""
    if not sys.stdin.isatty():
        raise CallboardError(f"the lock is {detail}; unlocking needs confirmation: make sure "
                             "that run has ended, then pass --force")
    answer = click.prompt(f"Release the lock {detail}? Only if that run has ended. "
                          "Only 'yes' will be accepted", default="", show_default=False)
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
    source = open_state(src)
    try:
        target = open_state(dst)
        try:
            summary = copy_state(source, target, lock_holder(), force=force)
            shown_src, shown_dst = source.url, target.url
        finally:
            target.close()
    finally:
        source.close()
    resources = summary.rows.get("resources", 0)
    rt.output.line(f"Copied state {shown_src} to {shown_dst}: {plural(resources, 'resource')}, "
                   f"{plural(sum(summary.rows.values()), 'record')} in all (lineage "
                   f"{summary.lineage}, "
                   f"serial {summary.serial}).")


COMMANDS = [state]
