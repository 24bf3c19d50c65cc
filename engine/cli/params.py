"""Every option of the command line, declared once, with its environment variable where it has
one (as dbt-core's ``cli/params.py``). Commands are decorator stacks over these.

The global options (``-m``, ``--sandbox``, ``--state``, ``--no-color``, ``-v``,
``--log-format``) are accepted before the command and after it (``callboard plan --sandbox``);
they land in one :class:`GlobalFlags`, from which the command's :class:`Runtime` is built.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from engine.artifacts import PUBLISHED
from engine.cli.log_format import LOG_FORMATS, configure_logging
from engine.cli.output import Output
from engine.cli.runtime import Runtime
from engine.render.outputs import formats
from engine.sync.notify import SMTP_URL_ENV

ENV_MANIFESTS = "CALLBOARD_MANIFESTS"
ENV_STATE = "CALLBOARD_STATE"
ENV_LOG_FORMAT = "CALLBOARD_LOG_FORMAT"
ENV_NO_COLOR = "NO_COLOR"
#: Settings read from the environment only (no option): SMTP for sync summaries, tracebacks.
ENV_SMTP_URL = SMTP_URL_ENV  # named where the URL is read
ENV_DEBUG = "CALLBOARD_DEBUG"

_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass
class GlobalFlags:
    """The global options as given (before or after the command), and the command's --format,
    so an error can answer in the form the command was asked for."""

    manifests: Path = Path("manifests")
    sandbox: bool = False
    state_url: str | None = None
    no_color: bool = False
    verbose: int = 0
    log_format: str = "text"
    output_format: str = "text"
    given: set[str] = field(default_factory=set)
    _runtime: Runtime | None = None

    @property
    def color(self) -> bool:
        return not self.no_color and ENV_NO_COLOR not in os.environ

    def runtime(self) -> Runtime:
        """The command's runtime, built once every option has been read."""
        if self._runtime is None:
            configure_logging(self.verbose, self.log_format)
            # CALLBOARD_STATE names a real organization's state: never the sandbox's, whose
            # ids would mix with it; only --state given on the command line goes with it.
            state_url = (self.state_url if not self.sandbox or "state_url" in self.given
                         else None)
            self._runtime = Runtime(manifests_dir=self.manifests, state_url=state_url,
                                    sandbox=self.sandbox, color=self.color,
                                    output=Output(color=self.color))
        return self._runtime


class GlobalOption(click.Option):
    """An option of every command, stored in :class:`GlobalFlags`. One given on the command
    line wins over a default or the environment read at another level (``callboard -m A
    plan`` keeps ``A``); given twice, the later one wins."""

    def handle_parse_result(self, ctx: click.Context, opts: Any,
                            args: list[str]) -> tuple[Any, list[str]]:
        value, args = super().handle_parse_result(ctx, opts, args)
        flags = ctx.ensure_object(GlobalFlags)
        assert self.name is not None
        if self.name in opts:  # on the command line, at this level
            flags.given.add(self.name)
            setattr(flags, self.name, value)
        elif self.name not in flags.given:
            setattr(flags, self.name, value)
        return value, args


def global_options() -> list[click.Option]:
    """Fresh option objects for one command (the root group and every subcommand get them)."""
    common: dict[str, Any] = {"expose_value": False}
    return [
        GlobalOption(["-m", "--manifests"], envvar=ENV_MANIFESTS, default="manifests",
                     show_default=True, type=click.Path(file_okay=False, path_type=Path),
                     help=f"Manifest directory (env {ENV_MANIFESTS}).", **common),
        GlobalOption(["--sandbox"], is_flag=True, help="Work against in-process emulators with "
                     "their data under .callboard/sandbox/ (no configuration needed).", **common),
        GlobalOption(["--state", "state_url"], envvar=ENV_STATE, default=None, metavar="URL",
                     help="State: a SQLite path (default .callboard/state.db) or a "
                     f"postgresql:// URL (env {ENV_STATE}).", **common),
        GlobalOption(["--no-color"], is_flag=True,
                     help=f"Plain output (also when {ENV_NO_COLOR} is set).", **common),
        GlobalOption(["-v", "--verbose"], count=True,
                     help="Log what Callboard does on stderr (-vv for more).", **common),
        GlobalOption(["--log-format"], type=click.Choice(LOG_FORMATS), envvar=ENV_LOG_FORMAT,
                     default="text", show_default=True, help="Logs on stderr as text or JSON "
                     f"lines, for CI log search (env {ENV_LOG_FORMAT}).", **common),
    ]


def add_global_options(command: click.Command) -> None:
    """Give ``command`` and every command under it the global options."""
    taken = {opt for param in command.params for opt in getattr(param, "opts", [])}
    extra = global_options()
    clash = taken & {opt for param in extra for opt in param.opts}
    if clash:
        raise RuntimeError(f"{command.name}: options {sorted(clash)} clash with global ones")
    command.params.extend(extra)
    for sub in getattr(command, "commands", {}).values():
        add_global_options(sub)


def pass_runtime(f: _F) -> _F:
    """Call the command with the :class:`Runtime` built from the global options."""
    @click.pass_context
    def call(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        return ctx.invoke(f, ctx.ensure_object(GlobalFlags).runtime(), *args, **kwargs)
    return functools.update_wrapper(call, f)  # type: ignore[return-value]


def _remember_format(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    ctx.ensure_object(GlobalFlags).output_format = value
    return value


#: What ``--format`` says for each output, in users' words.
_FORMAT_HELP = {
    "plan": "markdown is made for a pull-request comment; json is stable and versioned "
            "(callboard schema --output plan).",
    "drift": "markdown is made for an issue; json is stable and versioned "
             "(callboard schema --output drift).",
    "validate": "github prints GitHub workflow annotations on the manifest lines; json is "
                "versioned (callboard schema --output validate).",
    "sync-preview": "json is versioned (callboard schema --output sync-preview).",
    "sync-log": "json is versioned (callboard schema --output sync-log).",
}


FORMAT = "--format"


def format_in_argv(argv: list[str]) -> str:
    """The ``--format`` on the command line, for errors click raises before any option is
    processed (a mistyped option): a script that asked for JSON still gets a JSON error."""
    for i, arg in enumerate(argv):
        if arg == FORMAT and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(f"{FORMAT}="):
            return arg.removeprefix(f"{FORMAT}=")
    return "text"


def output_format(output: str) -> Callable[[_F], _F]:
    """``--format``: the formats are those engine/render has renderers for, for ``output``."""
    return click.option(FORMAT, "fmt", type=click.Choice(formats(output)), default="text",
                        show_default=True, callback=_remember_format,
                        help=f"How to print it: {_FORMAT_HELP[output]}")


# --- validate, plan, apply ---------------------------------------------------------------
online = click.option("--online", is_flag=True,
                      help="Also check live reference data and that both services answer.")
plan_out = click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
                        help="Save the plan to FILE, to apply later with 'callboard apply "
                        "FILE'.")
detailed_exitcode = click.option("--detailed-exitcode", is_flag=True,
                                 help="Exit 2 when the plan has changes (0 when it has none).")
targets = click.option("--target", "targets", multiple=True, metavar="ADDR",
                       help="Limit to one resource (KIND.NAME) or a whole KIND (repeatable).")
refresh_only = click.option("--refresh-only", is_flag=True,
                            help="Only record live values in state; change nothing live.")
auto_approve = click.option("--auto-approve", is_flag=True, help="Apply without asking.")
parallelism = click.option("--parallelism", default=4, show_default=True,
                           type=click.IntRange(1, 32),
                           help="How many independent changes to make at once.")
force_apply = click.option("--force", is_flag=True, help="Apply even past the safety "
                           "thresholds and lifecycle.prevent_destroy.")
expect_sha256 = click.option("--expect-sha256", "expect_sha256", metavar="HEX",
                             help="Refuse the plan file unless its SHA-256 is HEX (the one "
                             "'plan --out' printed for the reviewed plan).")

# --- generate, schema, demo ----------------------------------------------------------------
generate_out = click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
                            default=None, metavar="DIR",
                            help="Write the new files (generated_KIND.yaml, one per kind) here "
                            "instead of the manifest directory.")
kinds = click.option("--kind", "kinds", multiple=True, metavar="KIND",
                     help="Only live objects of this kind (repeatable).")


schema_output = click.option("--output", "output", type=click.Choice(PUBLISHED), default=None,
                             help="Print the JSON Schema of this JSON output instead of the "
                             "manifests' (the files shipped in engine/schemas/).")


demo_keep = click.option("--keep", type=click.Path(file_okay=False, path_type=Path),
                         default=None, help="Run in this directory and keep it, instead of a "
                         "temporary one.")
demo_out = click.option("--out", type=click.Path(path_type=Path), default=None,
                        help="Also write the example manifests and callboard.yaml into this "
                        "directory, to start your own from (never overwrites a file).")

# --- state -----------------------------------------------------------------------------------
force_unlock = click.option("--force", is_flag=True,
                            help="Unlock without asking (needed with no terminal).")
force_copy = click.option("--force", is_flag=True,
                          help="Replace DST even if it holds a state (a backup of it is kept).")

# --- sync and writeback runs -----------------------------------------------------------------
due = click.option("--due", is_flag=True,
                   help="Every enabled sync whose schedule says it is time to run.")
run_all = click.option("--all", "run_all", is_flag=True, help="Every enabled sync in state.")
force_sync = click.option("--force", is_flag=True, help="Run past the removal safety check; "
                          "run a disabled sync named here.")
since = click.option("--since", default="7d", show_default=True, metavar="DURATION",
                     help="How far back: N followed by m, h, d or w (the log keeps 30 days).")
no_regenerate = click.option(
    "--no-regenerate", is_flag=True,
    help="Use the list as last generated instead of regenerating it as a run would (faster; "
    "the counts may then differ from the next run's).")
show_values = click.option(
    "--show-values", is_flag=True,
    help="Show the contact data re-syncs carry in JSON output too (masked there by default: "
    "it is personal data).")
back_fill_since = click.option(
    "--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="DATE",
    help="Also write back campaigns sent on or after DATE (YYYY-MM-DD) that a mapping's "
    "since leaves out: a back-fill, on purpose.")
campaign = click.option("--campaign", "campaign_id", default=None, metavar="ID",
                        help="Only this Prospect2 campaign (it must be sent and match a "
                        "mapping).")


def batch_size(maximum: int, what: str) -> Callable[[_F], _F]:
    """Hidden: tests use small batches to exercise batching."""
    return click.option("--batch-size", type=click.IntRange(1, maximum), default=maximum,
                        hidden=True, help=f"{what} per call (tests use small ones).")


# --- emulator serve --------------------------------------------------------------------------
host = click.option("--host", default="127.0.0.1", show_default=True,
                    help="Loopback address to listen on.")
port = click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
                    help="Port to listen on (0: any free port).")
seed = click.option("--seed", type=click.Choice(["small", "demo", "large"]), default="demo",
                    show_default=True, help="Which emulated organization to start with.")
data = click.option("--data", "data_dir", type=click.Path(file_okay=False), default=None,
                    help="Keep the emulated organization in this directory across restarts.")
token = click.option("--token", default="emulator-token", show_default=True,
                     help="The Prospect2 API token the emulator accepts.")
tessitura_password = click.option("--tessitura-password", default="emulator",
                                  show_default=True,
                                  help="The Tessitura password the emulator accepts.")
