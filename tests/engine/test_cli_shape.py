"""The command line keeps the shape issue 12 measured: one event loop, ``--format`` declared
once, and functions short enough to read in one screen (engine/cli and engine/render)."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).parents[2] / "engine"
MAX_FUNCTION_LINES = 45


def _sources(*folders: str) -> dict[Path, str]:
    return {p: p.read_text() for folder in folders for p in sorted((ENGINE / folder).glob("*.py"))}


def test_asyncio_run_appears_once_in_the_cli() -> None:
    found = [p.name for p, text in _sources("cli").items()
             for _ in range(text.count("asyncio.run("))]
    assert found == ["runtime.py"]


def test_format_is_declared_once() -> None:
    found = [p.name for p, text in _sources("cli").items()
             for _ in range(text.count('"--format"'))]
    assert found == ["params.py"]


def test_no_long_functions_in_the_cli_and_renderers() -> None:
    long = []
    for path, text in _sources("cli", "render").items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.name}:{node.lineno} {node.name} ({lines} lines)")
    assert not long
