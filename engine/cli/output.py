"""Printing to the terminal: rich when colour is wanted, plain text otherwise."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.text import Text


class Output:
    def __init__(self, color: bool) -> None:
        self.color = color and sys.stdout.isatty()
        self.console = Console(no_color=not self.color, highlight=False, soft_wrap=True,
                               force_terminal=self.color or None)

    def show(self, rendered: Text | str) -> None:
        """Print what a renderer made: styled text, or exact text (markdown, JSON)."""
        if isinstance(rendered, Text):
            self.rich(rendered)
        else:
            self.raw(rendered)

    def rich(self, text: Text) -> None:
        if self.color:
            self.console.print(text, end="")
        else:
            click.echo(text.plain, nl=False)

    def line(self, message: str = "", style: str | None = None) -> None:
        if self.color and style:
            self.console.print(Text(message, style=style))
        else:
            click.echo(message)

    def raw(self, text: str) -> None:
        click.echo(text, nl=False)

    def err(self, message: str) -> None:
        click.echo(message, err=True)
