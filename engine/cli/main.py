"""The ``callboard`` command: the command groups, and errors as users and scripts see them.

Options live in ``params.py`` (each declared once); each command group lives in its own module
and calls the engine's API, so tests can drive the same code without a subprocess. A command
returns its exit code; every error is one message on stderr and the error's exit code, plus a
JSON error document on stdout when the command was asked for ``--format json``.
"""

from __future__ import annotations

import os
import sys
import traceback

import click

from engine.cli.params import ENV_DEBUG, GlobalFlags, add_global_options, format_in_argv
from engine.errors import CallboardError
from engine.interrupts import EXIT_CODE, Interrupted
from engine.render.errors import callboard_error_json, error_json


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="callboard", help="Show Callboard's version and exit.")
def cli() -> None:
    """Callboard manages a Prospect2 + Tessitura integration as code: validate, plan, apply,
    drift, and run Data Syncs and writebacks.

    The options below may also be given after the command: callboard plan --sandbox."""


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
    add_global_options(cli)


_register()


def _say_error(flags: GlobalFlags, message: str) -> None:
    """``Error:`` in red on a terminal (unless --no-color / NO_COLOR), plain otherwise."""
    label = click.style("Error:", fg="red", bold=True)
    click.echo(f"{label} {message}", err=True, color=None if flags.color else False)


def _failed(flags: GlobalFlags, exc: CallboardError) -> int:
    if flags.output_format == "json":
        click.echo(callboard_error_json(exc), nl=False)
    _say_error(flags, str(exc))
    return exc.exit_code


def _misused(flags: GlobalFlags, exc: click.ClickException) -> int:
    code = 1 if exc.exit_code == 2 else exc.exit_code
    if flags.output_format == "json":
        click.echo(error_json("usage", exc.format_message(), code), nl=False)
    exc.show()
    return code


def _internal(flags: GlobalFlags, exc: Exception) -> int:
    if os.environ.get(ENV_DEBUG):
        traceback.print_exc()
    message = (f"internal error: {type(exc).__name__}: {exc} (set {ENV_DEBUG}=1 for a "
               "traceback, and please report it)")
    if flags.output_format == "json":
        click.echo(error_json("internal", message, 1), nl=False)
    _say_error(flags, message)
    return 1


#: Ctrl-C outside a stretch of writes (``engine.interrupts``): planning, reading, a prompt.
READING_STOPPED = "Interrupted: nothing was being written, so nothing changed."


def _interrupted(flags: GlobalFlags, message: str) -> int:
    """Ctrl-C (spec §3): what finished and how to finish, exit 130."""
    if flags.output_format == "json":
        click.echo(error_json("interrupted", message, EXIT_CODE), nl=False)
    click.echo(message, err=True)
    return EXIT_CODE


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (tests and the demo call this in-process)."""
    flags = GlobalFlags(output_format=format_in_argv(sys.argv[1:] if argv is None else argv))
    try:
        code = cli.main(args=argv, prog_name="callboard", standalone_mode=False, obj=flags)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort as exc:
        if isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt):
            return _interrupted(flags, READING_STOPPED)  # click turns Ctrl-C into Abort
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        return _misused(flags, exc)
    except CallboardError as exc:
        return _failed(flags, exc)
    except Interrupted as exc:
        return _interrupted(flags, exc.message())
    except KeyboardInterrupt:
        return _interrupted(flags, READING_STOPPED)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no tracebacks for users
        return _internal(flags, exc)
    return code if isinstance(code, int) else 0


def entry() -> None:
    sys.exit(main())
