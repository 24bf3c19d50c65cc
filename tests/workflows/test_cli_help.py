"""Help a newcomer can act on: every command and option explained, in users' words."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest

from engine.cli.main import cli
from engine.render.outputs import formats
from tests.cli.conftest import Sandbox


def _commands(command: click.Command,
              path: str = "callboard") -> Iterator[tuple[str, click.Command]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, f"{path} {name}")


COMMANDS = dict(_commands(cli))


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_every_command_and_option_has_help(path: str) -> None:
    command = COMMANDS[path]
    assert command.help and command.help.strip(), f"{path} has no help"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{path} {param.opts[0]} has no help"


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_help_speaks_users_words(sandbox: Sandbox, path: str) -> None:
    shown = sandbox.run(*path.split()[1:], "--help")
    assert shown.code == 0
    assert not re.search(r"\bseed 0\d\d\b", shown.out, re.IGNORECASE), shown.out
    for option in ("--sandbox", "--manifests", "--state", "--no-color", "--log-format"):
        assert option in shown.out, f"{path} --help does not show {option}"


def test_format_offers_what_the_renderers_render(sandbox: Sandbox) -> None:
    for args, output in ((["plan"], "plan"), (["drift"], "drift"), (["validate"], "validate"),
                         (["sync", "preview"], "sync-preview"), (["sync", "log"], "sync-log")):
        shown = sandbox.run(*args, "--help").out
        assert f"--format [{'|'.join(formats(output))}]" in shown


def test_a_format_a_command_does_not_render_is_refused(sandbox: Sandbox) -> None:
    result = sandbox.run("sync", "log", "--format", "markdown")
    assert result.code == 1
    assert "'markdown' is not one of 'text', 'json'" in result.err
