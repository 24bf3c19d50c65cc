"""``emulator serve``: both emulated APIs on one loopback port, for end-to-end use."""

from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path

import click

from engine.cli import params as p
from engine.cli.runtime import Runtime
from engine.errors import CallboardError
from engine.providers import emulator_host


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listening_socket(host: str, port: int) -> socket.socket:
    """Bind before printing anything, so a busy port is one clear error and no half-started
    emulator whose settings a script might already have exported."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it every request after the first on a kept-alive connection waited ~40 ms
    # (Nagle's algorithm against the client's delayed ACK).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise CallboardError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; stop what "
                             "uses that port, or pick another with --port") from exc
    sock.listen(128)
    return sock


def settings_lines(base: str, token: str, password: str) -> str:
    return (f"export PROSPECT2_URL={base}/api/3\n"
            f"export PROSPECT2_API_TOKEN={token}\n"
            f"export TESSITURA_URL={base}/TessituraService\n"
            "export TESSITURA_USER=callboard\n"
            "export TESSITURA_USERGROUP=admin\n"
            "export TESSITURA_LOCATION=emulator\n"
            f"export TESSITURA_PASSWORD={password}")


@click.group()
def emulator() -> None:
    """Emulators of the Prospect2 and Tessitura APIs."""


@emulator.command()
@p.host
@p.port
@p.seed
@p.data
@p.token
@p.tessitura_password
@p.pass_runtime
def serve(rt: Runtime, host: str, port: int, seed: str, data_dir: str | None, token: str,
          tessitura_password: str) -> None:
    """Serve Tessitura under /TessituraService/ and Prospect2 under /api/3/, printing the
    settings that point Callboard at them."""
    if not _loopback(host):
        raise CallboardError(f"the emulator serves loopback addresses only, not {host}")
    import uvicorn

    sock = listening_socket(host, port)
    kept = data_dir is not None and Path(data_dir).is_dir() and any(Path(data_dir).iterdir())
    app = emulator_host()(seed=seed, data_dir=data_dir, token=token,
                          tessitura_password=tessitura_password)
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{sock.getsockname()[1]}"
    click.echo(settings_lines(base, token, tessitura_password))
    click.echo(f"# emulator ({seed}) listening on {base}; control API at {base}/_emulator/")
    if data_dir is not None:  # a mistyped --data would serve a new organization unnoticed
        click.echo(f"# serving the organization kept in {data_dir}" if kept else
                   f"# {data_dir} held no emulator data: the {seed} organization starts there")
    sys.stdout.flush()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    server.run(sockets=[sock])


COMMANDS = [emulator]
