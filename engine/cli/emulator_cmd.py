"""``emulator serve``: both emulated APIs on one loopback port, for end-to-end use."""

from __future__ import annotations

import ipaddress
import sys

import click

from engine.errors import CallboardError
from engine.providers import emulator_host


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.group()
def emulator() -> None:
    """Emulators of the Prospect2 and Tessitura APIs."""


@emulator.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--seed", type=click.Choice(["small", "demo", "large"]), default="demo",
              show_default=True)
@click.option("--data", "data_dir", type=click.Path(file_okay=False), default=None,
              help="Keep the emulated organization in this directory across restarts.")
@click.option("--token", default="emulator-token", show_default=True,
              help="The Prospect2 API token the emulator accepts.")
@click.option("--tessitura-password", default="emulator", show_default=True)
def serve(host: str, port: int, seed: str, data_dir: str | None, token: str,
          tessitura_password: str) -> None:
    """Serve Tessitura under /TessituraService/ and Prospect2 under /api/3/."""
    if not _loopback(host):
        raise CallboardError(f"the emulator serves loopback addresses only, not {host}")
    import uvicorn

    app = emulator_host()(seed=seed, data_dir=data_dir, token=token,
                          tessitura_password=tessitura_password)
    base = f"http://{host}:{port}"
    click.echo(f"export PROSPECT2_URL={base}/api/3\n"
               f"export PROSPECT2_API_TOKEN={token}\n"
               f"export TESSITURA_URL={base}/TessituraService\n"
               "export TESSITURA_USER=callboard\n"
               "export TESSITURA_USERGROUP=admin\n"
               "export TESSITURA_LOCATION=emulator\n"
               f"export TESSITURA_PASSWORD={tessitura_password}\n"
               f"# emulator ({seed}) listening on {base}; control API at {base}/_emulator/",
               )
    sys.stdout.flush()
    uvicorn.run(app, host=host, port=port, log_level="warning")


COMMANDS = [emulator]
