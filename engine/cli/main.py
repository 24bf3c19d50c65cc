"""The ``callboard`` command: global options, error handling, and the command groups.

Options are declared once with their environment variables; each command group lives in its own
module and calls the engine's API, so tests can drive the same code without a subprocess.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from engine.cli.log_format import LOG_FORMATS, configure_logging
from engine.cli.output import Output
from engine.cli.runtime import Runtime
from engine.errors import CallboardError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-m", "--manifests", "manifests", envvar="CALLBOARD_MANIFESTS", default="manifests",
              show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Manifest directory (env CALLBOARD_MANIFESTS).")
@click.option("--sandbox", is_flag=True,
              help="Use in-process emulators with data under .callboard/sandbox/ (no config).")
@click.option("--state", "state_url", envvar="CALLBOARD_STATE", default=None,
              help="State: a SQLite path (default .callboard/state.db) or a postgresql:// URL "
                   "(env CALLBOARD_STATE).")
@click.option("--no-color", is_flag=True, envvar="NO_COLOR",
              help="Plain output (also when NO_COLOR is set).")
@click.option("-v", "--verbose", count=True, help="Log what Callboard does (-vv for more).")
@click.option("--log-format", type=click.Choice(LOG_FORMATS), envvar="CALLBOARD_LOG_FORMAT",
              default="text", show_default=True,
              help="Logs on stderr as text or JSON lines, for CI log search "
                   "(env CALLBOARD_LOG_FORMAT).")
@click.version_option(package_name="callboard")
@click.pass_context
def cli(ctx: click.Context, manifests: Path, sandbox: bool, state_url: str | None,
        no_color: bool, verbose: int, log_format: str) -> None:
    """Callboard manages a Prospect2 + Tessitura integration as code: validate, plan, apply,
    drift."""
    configure_logging(verbose, log_format)
    color = not no_color and "NO_COLOR" not in os.environ
    ctx.obj = Runtime(manifests_dir=manifests, state_url=state_url, sandbox=sandbox, color=color)
    ctx.obj.output = Output(color=color)


def _register() -> None:
    from engine.cli import (
        adopt_cmds,
        demo_cmd,
        drift_cmd,
        emulator_cmd,
        plan_cmds,
        schema_cmd,
        state_cmds,
        sync_cmds,
        writeback_cmd,
    )

    for module in (plan_cmds, drift_cmd, adopt_cmds, state_cmds, schema_cmd, emulator_cmd,
                   demo_cmd, writeback_cmd, sync_cmds):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every Callboard error is one message on stderr and exit 1."""
    try:
        code = cli.main(args=argv, prog_name="callboard", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return 1 if exc.exit_code == 2 else exc.exit_code
    except CallboardError as exc:
        click.echo(f"Error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no tracebacks for users
        if os.environ.get("CALLBOARD_DEBUG"):
            traceback.print_exc()
        click.echo(f"Error: internal error: {type(exc).__name__}: {exc} (set CALLBOARD_DEBUG=1 "
                   "for a traceback, and please report it)", err=True)
        return 1
    return code if isinstance(code, int) else 0


def entry() -> None:
    sys.exit(main())
