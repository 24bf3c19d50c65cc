"""README's tour, run as written, so the README cannot drift from the product.

Every command of the ```sh blocks in the "A five-minute tour" section (up to its first
subsection), and of any ```sh block right after a ``<!-- tour -->`` marker, runs through bash
in order in one empty directory, and must exit as its comment says (``# exit 2: ...``; no
comment means 0). ``callboard emulator serve`` runs in the background (the README runs it in
another terminal) on a free port that later lines use instead of the README's; what it prints
must be the variables the README exports. Lines that do not work today are listed in
KNOWN_BROKEN with the reason: strict xfails, so the fix has to remove them.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.served_process import free_port, wait_until_serving

ROOT = Path(__file__).parents[2]
TOUR_HEADING = "## A five-minute tour"
MARKER = "<!-- tour -->"
SERVE = "callboard emulator serve"

#: Tour commands that fail today, and why (strict: a fix makes them pass and must drop them).
KNOWN_BROKEN: dict[str, str] = {}


@dataclass(frozen=True)
class TourLine:
    command: str  # continuation lines joined, comment removed
    comment: str

    @property
    def expect(self) -> int:
        match = re.search(r"\bexit (\d+)", self.comment)
        return int(match.group(1)) if match else 0


def tour_blocks(readme: str) -> list[list[str]]:
    """The tour's ```sh blocks, in README order."""
    blocks: list[list[str]] = []
    block: list[str] | None = None
    take = in_tour = marked = False
    for line in readme.splitlines():
        if block is not None:
            if line.startswith("```"):
                if take:
                    blocks.append(block)
                block = None
            else:
                block.append(line)
        elif line.startswith("```"):
            take = (in_tour or marked) and line.strip() == "```sh"
            block, marked = [], False
        elif line.startswith("#"):
            in_tour = line.strip() == TOUR_HEADING
        elif line.strip() == MARKER:
            marked = True
        elif line.strip():
            marked = False
    return blocks


def tour_lines(readme: str) -> list[TourLine]:
    lines: list[TourLine] = []
    for block in tour_blocks(readme):
        pending = ""
        for raw in block:
            if raw.rstrip().endswith("\\"):
                pending += raw.rstrip()[:-1].rstrip() + " "
                continue
            text, pending = (pending + raw.strip()).strip(), ""
            if not text or text.startswith("#"):
                continue
            commented = re.match(r"(.*?)\s+#\s*(.*)$", text)
            command, comment = commented.groups() if commented else (text, "")
            lines.append(TourLine(" ".join(command.split()), comment.strip()))
    return lines


TOUR = tour_lines((ROOT / "README.md").read_text())


@dataclass
class Outcome:
    line: TourLine
    ran: str  # what bash ran (the README's port swapped for the test's)
    code: int
    out: str
    err: str


@dataclass
class Tour:
    outcomes: list[Outcome] = field(default_factory=list)
    served_exports: dict[str, str] = field(default_factory=dict)
    readme_exports: dict[str, str] = field(default_factory=dict)


def _exports(text: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["export"]:
            pairs.update(word.split("=", 1) for word in words[1:])
    return pairs


def _environment(bin_dir: Path) -> dict[str, str]:
    """The user's shell: no Callboard or service variables, this checkout's ``callboard``."""
    bin_dir.mkdir()
    shim = bin_dir / "callboard"
    shim.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -c "
                    "'from engine.cli.main import entry; entry()' \"$@\"\n")
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CALLBOARD_", "PROSPECT2_", "TESSITURA_"))}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", NO_COLOR="1")
    return env


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> Tour:
    """Run the whole tour once, in order; each test checks its own line."""
    base = tmp_path_factory.mktemp("tour")
    workdir = base / "empty"
    workdir.mkdir()
    env = _environment(base / "bin")
    result = Tour()
    exports: list[str] = []
    ports: tuple[str, str] | None = None
    servers: list[subprocess.Popen[str]] = []  # every block that serves, each stopped
    try:
        for line in TOUR:
            command = line.command
            if ports:
                command = command.replace(f":{ports[0]}", f":{ports[1]}")
            if command.startswith(SERVE):
                readme_port = re.search(r"--port (\d+)", command)
                assert readme_port, f"the tour's {SERVE} names no --port"
                ports = (readme_port.group(1), str(free_port()))
                command = command.replace(f"--port {ports[0]}", f"--port {ports[1]}")
                served = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=workdir,
                                          env=env, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True)
                servers.append(served)
                printed = ""  # the variables, up to its "# emulator ... listening" line
                while (text := served.stdout.readline()) and not text.startswith("# "):
                    printed += text
                wait_until_serving(f"http://127.0.0.1:{ports[1]}", served)
                result.served_exports = _exports(printed)
                result.outcomes.append(Outcome(line, command, 0, printed, ""))
                continue
            ran = subprocess.run(["bash", "-c", "\n".join([*exports, command])], cwd=workdir,
                                 env=env, capture_output=True, text=True, timeout=300)
            if command.startswith("export "):
                exports.append(command)
            result.outcomes.append(Outcome(line, command, ran.returncode, ran.stdout,
                                           ran.stderr))
    finally:
        for served in servers:
            served.terminate()
            served.communicate(timeout=10)
    result.readme_exports = _exports("\n".join(exports))
    return result


def _cases() -> list:
    cases = []
    for index, line in enumerate(TOUR):
        marks = []
        if line.command in KNOWN_BROKEN:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_BROKEN[line.command]))
        cases.append(pytest.param(index, marks=marks, id=f"{index:02d} {line.command}"))
    return cases


@pytest.mark.parametrize("index", _cases())
def test_tour_command_exits_as_the_readme_says(tour: Tour, index: int) -> None:
    outcome = tour.outcomes[index]
    code, expect = outcome.code, outcome.line.expect
    assert "internal error" not in outcome.err, outcome.err
    assert code == expect, (f"$ {outcome.ran}\nexited {code}, README says {expect}\n"
                            f"{outcome.out[-2000:]}{outcome.err[-2000:]}")


def test_served_emulator_prints_the_variables_the_readme_exports(tour: Tour) -> None:
    assert tour.readme_exports, "the tour exports no variables for the served emulator"
    assert tour.served_exports == tour.readme_exports


def test_the_tour_starts_from_the_example_and_covers_the_sandbox() -> None:
    commands = [line.command for line in TOUR]
    assert commands[0] == "callboard demo --out manifests"
    assert any(c.startswith(SERVE) for c in commands)
    assert sum(c.startswith("callboard --sandbox") for c in commands) >= 10


def test_known_broken_lines_are_still_in_the_tour() -> None:
    assert set(KNOWN_BROKEN) <= {line.command for line in TOUR}


def test_tour_extraction_follows_sections_markers_and_comments() -> None:
    readme = "\n".join([
        "## Two commands", "```sh", "not tour", "```",
        TOUR_HEADING, "text", "```sh",
        "callboard --sandbox plan --detailed-exitcode   # exit 2: changes present",
        "export A=1 \\", "       B=2", "# a comment line", "", "callboard drift  # exit 0, or 2",
        "```", "```yaml", "tags: {}", "```",
        "### What you can declare", "```sh", "callboard sync preview [NAME]", "```",
        MARKER, "", "```sh", "callboard state list", "```",
        "## Later", MARKER, "words", "```sh", "callboard not marked", "```",
    ])
    lines = tour_lines(readme)
    assert [(line.command, line.expect) for line in lines] == [
        ("callboard --sandbox plan --detailed-exitcode", 2),
        ("export A=1 B=2", 0),
        ("callboard drift", 0),
        ("callboard state list", 0),
    ]
