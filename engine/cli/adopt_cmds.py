"""``import``, ``generate`` and ``output``: bringing live objects under management, and reading
a value plans mask."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from engine.cli import params as p
from engine.cli.runtime import Job, Runtime
from engine.errors import CallboardError
from engine.generate import FILE_PREFIX, Generated, generate_kind, write_generated
from engine.kinds import Kind, LiveObject
from engine.live_index import LiveIndex
from engine.manifests.loader import ManifestSet, load_files, load_settings
from engine.resources import Resource, closest_address, split_address
from engine.session import Session
from engine.state.base import ResourceRecord, StateStore
from engine.words import plural


def _record(address: str, obj: LiveObject) -> ResourceRecord:
    kind, name = split_address(address)
    return ResourceRecord(address=address, kind=kind, name=name, remote_id=obj.remote_id,
                          fields=obj.fields)


@click.command("import")
@click.argument("address")
@click.argument("remote_id")
@p.pass_runtime
def import_(rt: Runtime, address: str, remote_id: str) -> None:
    """Adopt a live object into state at once: REMOTE_ID is its id in the service (a tag's id,
    as drift shows it), ADDRESS the KIND.NAME a manifest declares for it."""
    manifests = rt.load()
    if address not in manifests.resources:
        hint = closest_address(address, manifests.resources)
        raise CallboardError(f"{address} is not declared in {rt.manifests_dir}{hint}: declare it "
                             "first (callboard generate writes manifests for live objects)")
    kind, _ = split_address(address)

    def check_free(store: StateStore) -> None:
        if store.get(address) is not None:
            raise CallboardError(f"{address} is already in state (id "
                                 f"{store.get(address).remote_id})")  # type: ignore[union-attr]
        claimed = {(r.kind, r.remote_id): a for a, r in store.resources().items()}
        if (kind, remote_id) in claimed:
            raise CallboardError(f"{kind} object {remote_id} is already managed as "
                                 f"{claimed[(kind, remote_id)]}")

    def check_not_declared_elsewhere(store: StateStore, obj: LiveObject, kind_: Kind) -> None:
        other = declared_elsewhere(manifests, kind_, obj, address)
        if other is not None and store.get(other) is None:
            raise CallboardError(
                f"{kind} object {remote_id} is {obj.key!r}, which {other} declares: import it "
                f"as {other} (as {address}, the next plan would create {obj.key!r} again for "
                f"{other})")

    async def work(job: Job) -> None:  # the store in a worker thread, off the event loop
        await asyncio.to_thread(check_free, job.state)
        obj = await _read(job.session, kind, remote_id)
        await asyncio.to_thread(check_not_declared_elsewhere, job.state, obj,
                                job.session.registry[kind])
        await asyncio.to_thread(adopt, job.state, f"import {address} {remote_id}",
                                [_record(address, obj)])

    rt.run(work, lock="import")
    rt.output.line(f"Imported {kind} object {remote_id} as {address}. Run 'callboard plan' to "
                   "see how it differs from the manifest.")


def adopt(store: StateStore, what: str, records: list[ResourceRecord]) -> None:
    """Records into state as one change that moves the serial, so older saved plans are stale."""
    with store.changing(what):
        for record in records:
            store.put(record)


def declared_elsewhere(manifests: ManifestSet, kind: Kind, obj: LiveObject,
                       address: str) -> str | None:
    """Another declared address whose natural key is ``obj``'s (the plan would adopt it
    there)."""
    return next((r.address for r in manifests.of_kind(kind.name)
                 if r.address != address and kind.key(r.spec) == obj.key), None)


async def _read(session: Session, kind: str, remote_id: str) -> LiveObject:
    if kind not in session.registry:
        raise CallboardError(f"unknown kind {kind!r}")
    obj = await session.handler(kind).read(remote_id)
    if obj is None:
        raise CallboardError(f"there is no live {kind} object with id {remote_id}")
    return obj


@click.command()
@p.generate_out
@p.kinds
@p.pass_runtime
def generate(rt: Runtime, out: Path | None, kinds: tuple[str, ...]) -> None:
    """Write manifests for live objects that no manifest declares and state does not manage,
    one new file per kind (generated_KIND.yaml, never overwriting one). Nothing enters state:
    the next plan adopts them (<=) and apply records them."""
    directory = out or rt.manifests_dir
    if rt.manifests_dir.is_dir():
        manifests = rt.load()
        declared, ignore = list(manifests.resources.values()), manifests.settings.drift.ignore
    else:
        declared, ignore = [], load_settings(rt.manifests_dir, Path.cwd()).drift.ignore
    earlier = earlier_generated(directory, rt.manifests_dir)
    declared += load_files(earlier, rt.registry(), Path.cwd()).resources.values()
    result = rt.run(lambda job: _generate(job, declared, ignore, list(kinds)))
    write_generated(directory, result)
    for line in generate_report(result, directory, rt.manifests_dir, earlier):
        rt.output.line(line)


def earlier_generated(directory: Path, manifests_dir: Path) -> list[Path]:
    """The files an earlier ``generate --out DIR`` left in DIR, not yet moved into the
    manifests: what they declare is not written again (the manifests' own are read anyway)."""
    if directory.resolve() == manifests_dir.resolve():
        return []
    return sorted(directory.glob(f"{FILE_PREFIX}*.yaml"))


async def _generate(job: Job, declared: list[Resource], ignore: list[str],
                    kinds: list[str]) -> Generated:
    session = job.session
    unknown = [k for k in kinds if k not in session.registry]
    if unknown:
        raise CallboardError(f"unknown kind {unknown[0]!r}; kinds: "
                             f"{', '.join(session.registry.names())}")
    wanted = kinds or [k for k in session.registry.order()
                       if session.registry[k].report_unmanaged]
    records = await asyncio.to_thread(job.state.resources)  # off the event loop
    index = LiveIndex(await session.read_live(wanted), records.values())
    result = Generated()
    names = {(r.kind, r.name) for r in declared} | {(r.kind, r.name) for r in records.values()}
    for kind in wanted:
        taken = {name for k, name in names if k == kind}
        generate_kind(session.registry[kind], index, declared, taken, ignore, result)
    return result


def generate_report(result: Generated, directory: Path, manifests_dir: Path,
                    earlier: Sequence[Path] = ()) -> list[str]:
    """What generate wrote, what it left out, and what to do next."""
    lines = [f"Read {plural(len(earlier), 'file')} an earlier 'generate --out {directory}' "
             "wrote: their objects count as declared."] if earlier else []
    lines += [f"Wrote {g.path} ({plural(len(g.entries), 'object')})" for g in result.kinds]
    if not result.kinds:
        lines.append("Every live object of these kinds is managed or declared already; "
                     "nothing written.")
    left_out = [f"{plural(count, 'object')} {why}" for count, why in (
        (result.declared, "already declared"), (result.ignored, "matched by drift.ignore"))
        if count]
    if left_out:
        lines.append(f"Left out: {', '.join(left_out)}.")
    lines += [f"Not generated (declare it by hand once it can be): {why}"
              for why in result.refused]
    if result.kinds:
        inside = directory.resolve() == manifests_dir.resolve()
        move = "" if inside else f"Move the files into {manifests_dir}; then "
        lines.append(f"Nothing is in state yet. {move}'callboard plan' shows them adopted (<=) "
                     "and 'callboard apply' records them.")
    return lines


@click.command()
@click.argument("address")
@click.argument("field", required=False)
@p.pass_runtime
def output(rt: Runtime, address: str, field: str | None) -> None:
    """Print FIELD of the managed resource at ADDRESS (KIND.NAME) as it is live, including
    values plans mask (e.g. a CSI webhook's url, to paste into an automation's Webhook action).
    Without FIELD, list the fields it has."""
    with rt.state() as store:
        record = store.get(address)
        hint = closest_address(address, store.resources()) if record is None else ""
    if record is None:
        raise CallboardError(f"{address} is not in state{hint or ': apply it first'}")
    obj = rt.run(lambda job: _read(job.session, record.kind, record.remote_id), state=False)
    if field is None:
        for line in field_lines(address, obj):
            rt.output.line(line)
        return
    if field in obj.secrets:
        value: Any = obj.secrets[field]
    elif field in obj.fields:
        value = obj.fields[field]
    else:
        names = sorted({*obj.fields, *obj.secrets})
        raise CallboardError(f"{address} has no field {field!r}; fields: {', '.join(names)}")
    click.echo(value if isinstance(value, str) else repr(value))


def field_lines(address: str, obj: LiveObject) -> list[str]:
    """The fields ``output ADDR FIELD`` can print, the masked ones marked."""
    lines = [f"{address} has these fields (print one with: callboard output {address} FIELD):"]
    lines += [f"  {name}" + ("  (masked in plans)" if name in obj.secrets else "")
              for name in sorted({*obj.fields, *obj.secrets})]
    return lines


COMMANDS = [import_, generate, output]
