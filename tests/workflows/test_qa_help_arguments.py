"""Every argument a usage line shows (`callboard import [OPTIONS] ADDRESS REMOTE_ID`) is
explained in the command's help, under the same name: options had help, arguments did not
(`import` spoke of ADDR, `state mv` of neither SRC nor DST)."""

from __future__ import annotations

import click
import pytest

from tests.workflows.test_cli_help import COMMANDS

#: The sync commands' help is being rewritten with the Data Sync rework (issue 10), left alone.
WITH_ARGUMENTS = sorted(path for path, command in COMMANDS.items()
                        if any(isinstance(p, click.Argument) for p in command.params)
                        and not path.startswith("callboard sync "))


@pytest.mark.parametrize("path", WITH_ARGUMENTS)
def test_every_argument_is_explained_by_its_name(path: str) -> None:
    command = COMMANDS[path]
    for param in command.params:
        if isinstance(param, click.Argument):
            name = str(param.name).upper()
            assert name in (command.help or ""), f"{path}: its help never says what {name} is"
