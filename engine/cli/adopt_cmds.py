"""``import``, ``generate`` and ``output``: bringing live objects under management, and reading
a value plans mask."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import click
from ruamel.yaml import YAML

from engine.cli import params as p
from engine.cli.runtime import Job, Runtime
from engine.errors import CallboardError
from engine.kinds import LiveObject
from engine.live_index import LiveIndex
from engine.resources import NAME_PATTERN, address, split_address
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
    """Adopt the live object REMOTE_ID as ADDR (declared in a manifest) into state."""
    manifests = rt.load()
    if address not in manifests.resources:
        raise CallboardError(f"{address} is not declared in {rt.manifests_dir}: declare it first "
                             "(callboard generate writes manifests for live objects)")
    kind, _ = split_address(address)

    def check_free(store: StateStore) -> None:
        if store.get(address) is not None:
            raise CallboardError(f"{address} is already in state (id "
                                 f"{store.get(address).remote_id})")  # type: ignore[union-attr]
        claimed = {(r.kind, r.remote_id): a for a, r in store.resources().items()}
        if (kind, remote_id) in claimed:
            raise CallboardError(f"{kind} object {remote_id} is already managed as "
                                 f"{claimed[(kind, remote_id)]}")

    async def work(job: Job) -> None:  # the store in a worker thread, off the event loop
        await asyncio.to_thread(check_free, job.state)
        record = _record(address, await _read(job.session, kind, remote_id))
        await asyncio.to_thread(adopt, job.state, f"import {address} {remote_id}", [record])

    rt.run(work, lock="import")
    rt.output.line(f"Imported {kind} object {remote_id} as {address}. Run 'callboard plan' to "
                   "see how it differs from the manifest.")


async def _read(session: Session, kind: str, remote_id: str) -> LiveObject:
    if kind not in session.registry:
        raise CallboardError(f"unknown kind {kind!r}")
    obj = await session.handler(kind).read(remote_id)
    if obj is None:
        raise CallboardError(f"there is no live {kind} object with id {remote_id}")
    return obj


def slug(text: str) -> str:
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return value or "unnamed"


def manifest_names(kind: str, objects: list[LiveObject], taken: set[str],
                   pattern: re.Pattern[str] | None) -> dict[str, LiveObject]:
    """A stable, unique manifest NAME for each live object (from its natural key)."""
    names: dict[str, LiveObject] = {}
    for obj in sorted(objects, key=lambda o: (o.key, o.remote_id)):
        base = obj.key if pattern and pattern.match(obj.key) else slug(obj.key)
        if not (pattern or NAME_PATTERN).match(base):
            base = f"{kind.rstrip('s')}-{base}"
        name, n = base, 2
        while name in taken or name in names:
            name, n = f"{base}-{n}", n + 1
        names[name] = obj
    return names


async def _generate(session: Session, store: StateStore, declared: set[str],
                    kinds: list[str]) -> dict[str, dict[str, LiveObject]]:
    records = await asyncio.to_thread(store.resources)  # off the event loop
    index = LiveIndex(await session.read_live(kinds), records.values())
    out: dict[str, dict[str, LiveObject]] = {}
    for kind in kinds:
        free = index.unclaimed(kind)
        if not free:
            continue
        taken = {name for k, name in map(split_address, declared | set(records)) if k == kind}
        out[kind] = manifest_names(kind, free, taken, session.registry[kind].name_pattern)
    return out


def write_manifests(directory: Path, session: Session,
                    found: dict[str, dict[str, LiveObject]]) -> list[Path]:
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    written: list[Path] = []
    for kind, objects in found.items():
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{kind}.yaml"
        if path.exists():
            raise CallboardError(f"{path} exists already: choose another --out directory")
        body: dict[str, Any] = {kind: {name: session.registry[kind].manifest_entry(obj)
                                       for name, obj in objects.items()}}
        with path.open("w") as handle:
            handle.write(f"# Generated by 'callboard generate' from live {kind}.\n")
            yaml.dump(body, handle)
        written.append(path)
    return written


@click.command()
@p.generate_out
@p.kinds
@p.pass_runtime
def generate(rt: Runtime, out: Path, kinds: tuple[str, ...]) -> None:
    """Write manifests for live objects no manifest manages yet, and adopt them into state."""
    declared = set(rt.load().resources) if rt.manifests_dir.is_dir() else set()
    written, count = rt.run(lambda job: _generate_and_import(job, declared, list(kinds), out),
                            lock="generate")
    if not written:
        rt.output.line("Every live object of these kinds is managed already; nothing written.")
        return
    for path in written:
        rt.output.line(f"Wrote {path}")
    rt.output.line(f"Adopted {plural(count, 'object')} into state. Move the files into your "
                   "manifest directory; 'callboard plan' then shows no changes.")


async def _generate_and_import(job: Job, declared: set[str], kinds: list[str],
                               out: Path) -> tuple[list[Path], int]:
    session, store = job.session, job.state
    unknown = [k for k in kinds if k not in session.registry]
    if unknown:
        raise CallboardError(f"unknown kind {unknown[0]!r}; kinds: "
                             f"{', '.join(session.registry.names())}")
    wanted = kinds or [k for k in session.registry.order()
                       if session.registry[k].report_unmanaged]
    found = await _generate(session, store, declared, wanted)
    written = write_manifests(out, session, found)
    adopted = [_record(address(kind, name), obj) for kind, objects in found.items()
               for name, obj in objects.items()]
    if adopted:
        await asyncio.to_thread(adopt, store, f"generate: adopted {len(adopted)} objects",
                                adopted)
    return written, len(adopted)


def adopt(store: StateStore, what: str, records: list[ResourceRecord]) -> None:
    """Records into state as one change that moves the serial, so older saved plans are stale."""
    with store.changing(what):
        for record in records:
            store.put(record)


@click.command()
@click.argument("address")
@click.argument("field", required=False)
@p.pass_runtime
def output(rt: Runtime, address: str, field: str | None) -> None:
    """Print one live value of a managed resource, including ones plans mask (e.g. a CSI
    webhook's url, to paste into an automation's Webhook action). Without FIELD, list the
    fields it has."""
    with rt.state() as store:
        record = store.get(address)
    if record is None:
        raise CallboardError(f"{address} is not in state: apply it first")
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
