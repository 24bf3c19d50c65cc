"""Mutation score of the core: each package mutated by mutmut 3, tested by the folders guarding it.

    python -m bench.mutation                      # every package below, one after another
    python -m bench.mutation engine/plan          # one package (engine/plan, engine/apply, ...)
    python -m bench.mutation engine/apply --fresh # forget earlier results, measure from scratch
    python -m bench.mutation engine/plan --rerun-survivors   # after adding tests: retry those
    python -m bench.mutation engine/plan --rerun-survivors --only 'engine.plan.targets.*'
    python -m bench.mutation engine/plan --report # print the last results without running
    python -m bench.mutation engine/sync --remap --rerun-survivors   # tests rewritten in place

A score says how many small faults (``<`` for ``<=``, ``break`` for ``continue``, a value
dropped) the tests notice: killed / total per package, with every survivor as file:line and its
diff. Times and what it installs: bench/README.md. Not run in CI (most of an hour on 2 cores);
``tests/test_bench_smoke.py`` checks that ``PACKAGES`` names packages and folders that exist.

How: each package gets its own work directory ``.mutation/<package>/`` (symlinks to the
repository, and the repository's ``pyproject.toml`` with a ``[tool.mutmut]`` section naming the
package and its guarding tests), so packages keep separate results and run one at a time.
mutmut copies the code into ``mutants/`` there, runs the guarding folders once to learn which
tests call which function, then runs, for each mutant, only the tests that call its function
(stopping at the first failure). Tests run in-process (``-n 0``): a test that drives Callboard
only in a subprocess never sees a mutant, so it kills nothing and is left out (``LEFT_OUT``).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / ".mutation"
#: What mutmut copies into ``mutants/`` and tests import (the rest comes along as data).
SOURCE_PATHS = ("engine", "providers")


@dataclass(frozen=True)
class Package:
    """A core package and the test folders that guard it (files to leave out of them aside)."""

    path: str
    tests: tuple[str, ...]
    note: str = ""


#: Test files no mutant can reach, left out of every run (each a few seconds of the first pass
#: saved, and some cannot pass in mutmut's copy at all).
LEFT_OUT: dict[str, str] = {
    **dict.fromkeys((
        "tests/workflows/test_install_anywhere.py",  # builds a wheel (of the mutant copy)
        "tests/workflows/test_readme_tour.py",
        "tests/workflows/test_cli_newcomer.py",
        "tests/workflows/test_interrupt_apply.py",
        "tests/workflows/test_interrupt_sync_run.py",
        "tests/workflows/test_interrupt_writeback_run.py",
        "tests/workflows/test_notify_without_smtp.py",
    ), "runs Callboard only in subprocesses, which never load a mutant"),
    # mutmut's workers ignore SIGINT, so Callboard (rightly) installs no Ctrl-C handler there,
    # and a child process inherits the ignored signal.
    "tests/engine/test_interrupts.py": "sends real SIGINTs to its own process",
    **dict.fromkeys((
        "tests/workflows/test_qa_interrupt_reading.py",
        "tests/workflows/test_qa_sandbox_by_hand.py",
        "tests/workflows/test_qa_replaced_field_interrupt.py",
        "tests/workflows/test_qa_serve_data_notice.py",
        "tests/workflows/test_qa_writeback_ctrl_c_reading.py",
    ), "sends Ctrl-C to a child process, which inherits the workers' ignored SIGINT"),
}

PACKAGES: dict[str, Package] = {p.path: p for p in (
    Package("engine/plan", ("tests/engine", "tests/cli", "tests/workflows", "tests/state",
                            "tests/rules")),
    Package("engine/apply", ("tests/engine", "tests/cli", "tests/workflows", "tests/state")),
    Package("engine/sync", ("tests/sync", "tests/sync_edges", "tests/rules", "tests/providers",
                            "tests/state", "tests/workflows"),
            note="about 4 hours from scratch on two cores: it resumes where it stopped"),
)}

#: mutmut's verdicts: a mutant that makes the tests fail, hang or crash is caught.
CAUGHT = {"killed", "timeout", "segfault", "caught by type check"}
#: Not tested yet: an interrupted or running run.
UNCHECKED = "not checked"


def slug(package: str) -> str:
    return package.replace("/", ".")


def workdir(package: str) -> Path:
    return WORK / slug(package)


def test_selection(package: Package) -> list[str]:
    """The pytest arguments that choose the package's guarding tests."""
    return [*package.tests, *(f"--ignore={f}" for f in LEFT_OUT if f.startswith(package.tests))]


def selection_changed(package: Package) -> bool:
    """Whether the guarding tests (folders, ``LEFT_OUT``) changed since the package's last
    run. mutmut then forgets every verdict, as it must: a test left out may have been the
    one that killed a mutant. Compared as mutmut 3.8 does (``Config.config_fingerprint``)."""
    stats = workdir(package.path) / "mutants" / "mutmut-stats.json"
    try:
        old = json.loads(stats.read_text()).get("config_fingerprint", {}).get("test_selection")
    except (OSError, ValueError):
        return False  # never run, or mapped afresh (``--remap``): nothing to compare
    now = hashlib.sha256(repr(tuple(test_selection(package))).encode()).hexdigest()[:12]
    return old is not None and old != now


def mutmut_section(package: Package) -> str:
    """The ``[tool.mutmut]`` configuration of one package's work directory."""
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.split()
    data = sorted({p.split("/")[0] for p in tracked} - {*SOURCE_PATHS, "tests", "pyproject.toml"})
    selection = test_selection(package)
    lines = [
        "[tool.mutmut]",
        f"source_paths = {list(SOURCE_PATHS)!r}",
        f"only_mutate = ['{package.path}/*']",
        f"also_copy = {data!r}",
        f"pytest_add_cli_args_test_selection = {selection!r}",
        # In-process (no xdist workers, which would hide the calls), no cache files, and the
        # SQLite variant of tests run on both state backends (the same logic over PostgreSQL
        # adds a server start per mutant and kills nothing more outside engine/state).
        "pytest_add_cli_args = ['-n', '0', '-p', 'no:cacheprovider', '-k', 'not postgresql']",
        "use_git_change_detection = false",
    ]
    return "\n".join(lines) + "\n"


def prepare(package: Package, fresh: bool, remap: bool = False) -> Path:
    """The work directory: symlinks to the repository and a pyproject.toml with the section.
    ``remap``: forget which tests call which function (mutmut maps a test once per name, so a
    test rewritten under its old name keeps its old map), keeping the verdicts."""
    where = workdir(package.path)
    if fresh and where.exists():
        shutil.rmtree(where)
    if remap:
        (where / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    where.mkdir(parents=True, exist_ok=True)
    for entry in REPO.iterdir():
        if entry.name in {".git", ".venv", ".mutation", "pyproject.toml"} \
                or entry.name.endswith(("_cache", ".egg-info")) or entry.name == "__pycache__":
            continue
        link = where / entry.name
        if not link.is_symlink():
            link.symlink_to(entry)
    pyproject = (REPO / "pyproject.toml").read_text()
    (where / "pyproject.toml").write_text(pyproject + "\n" + mutmut_section(package))
    refresh_data_files(where / "mutants")
    return where


def refresh_data_files(mutants: Path) -> None:
    """mutmut copies a source tree's other files (JSON Schemas, templates) only into a new
    ``mutants/``, so a later run would test against the old ones: copy the changed ones over."""
    for root in SOURCE_PATHS:
        for source in (REPO / root).rglob("*"):
            copy = mutants / source.relative_to(REPO)
            if (source.is_file() and source.suffix not in (".py", ".pyc") and copy.exists()
                    and copy.read_bytes() != source.read_bytes()):
                shutil.copy2(source, copy)


def mutmut(where: Path, *args: str) -> int:
    """``mutmut`` of this interpreter's environment (``pip install -e '.[bench]'``)."""
    program = Path(sys.executable).parent / "mutmut"
    if not program.exists():
        raise SystemExit(f"{program} not found: pip install -e '.[bench]' first")
    return subprocess.run([str(program), *args], cwd=where, check=False).returncode


@contextlib.contextmanager
def inside(where: Path) -> Iterator[None]:
    """mutmut reads its configuration and results relative to the working directory."""
    before = Path.cwd()
    os.chdir(where)
    try:
        import mutmut as mm
        mm._reset_globals()
        yield
    finally:
        os.chdir(before)


@dataclass
class Verdict:
    name: str
    status: str
    file: str
    line: int
    diff: list[str]


def verdicts(package: Package) -> list[Verdict]:
    """Every mutant of the package with mutmut's verdict, located in the original file."""
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.stats import status_by_exit_code

    out: list[Verdict] = []
    with inside(workdir(package.path)):
        for path in sorted(Path(package.path).rglob("*.py")):
            data = SourceFileMutationData(path=path)
            data.load()
            for name, code in sorted(data.exit_code_by_key.items(), key=_mutant_order):
                status = status_by_exit_code[code]
                line, diff = (0, []) if status in CAUGHT | {UNCHECKED} else located(name, path)
                out.append(Verdict(name, status, str(path), line, diff))
    return out


def _mutant_order(item: tuple[str, int | None]) -> tuple[str, int]:
    head, _, number = item[0].rpartition("__mutmut_")
    return head, int(number) if number.isdigit() else 0


def located(name: str, path: Path) -> tuple[int, list[str]]:
    """The mutant written into the original file, as ``mutmut apply`` would, but in memory:
    its first changed line and the changed lines."""
    import libcst as cst
    from mutmut.mutation.diff_apply import (
        find_top_level_function_or_method,
        read_functions_from_index,
        read_mutant_function,
        read_mutants_module,
    )
    from mutmut.utils.format_utils import orig_function_and_class_names_from_key

    source = path.read_text()
    module = cst.parse_module(source)
    function_name = orig_function_and_class_names_from_key(name)[0].rpartition(".")[2]
    original = find_top_level_function_or_method(module, function_name)
    found = read_functions_from_index(name, path)
    mutant = found[1] if found else read_mutant_function(read_mutants_module(path), name)
    if original is None:
        return 0, ["(function not found in the source: run again)"]
    mutant = mutant.with_changes(name=original.name, leading_lines=original.leading_lines)
    mutated = module.deep_replace(original, mutant).code  # type: ignore[arg-type]
    before, after = source.splitlines(), mutated.splitlines()
    first, lines = 0, []
    for group in difflib.SequenceMatcher(None, before, after).get_grouped_opcodes(0):
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                continue
            first = first or i1 + 1
            lines += [f"- {text}" for text in before[i1:i2]]
            lines += [f"+ {text}" for text in after[j1:j2]]
    return first, lines


def report(package: Package, seconds: float | None = None) -> float:
    """Print the package's score and its survivors; return the score in percent."""
    found = verdicts(package)
    if not found:
        print(f"{package.path}: no results yet (run it first)")
        return 0.0
    counts = Counter(v.status for v in found)
    caught = sum(counts[s] for s in CAUGHT)
    score = 100 * caught / len(found)
    took = f" in {seconds / 60:.1f} min" if seconds is not None else ""
    print(f"\n== {package.path}: {caught} / {len(found)} killed = {score:.1f} %{took}"
          + (f"  ({package.note})" if package.note else ""))
    print("   " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
          + ("  (INCOMPLETE: run it again to finish)" if counts[UNCHECKED] else ""))
    for path in sorted({v.file for v in found}):
        mine = [v for v in found if v.file == path]
        print(f"   {path}: {sum(v.status in CAUGHT for v in mine)} / {len(mine)}")
    survivors = [v for v in found if v.status not in CAUGHT | {UNCHECKED}]
    if survivors:
        print(f"\n   survivors ({len(survivors)}):")
    for v in sorted(survivors, key=lambda v: (v.file, v.line, v.name)):
        print(f"   {v.file}:{v.line}  {v.status}  {v.name}")
        for text in v.diff:
            print(f"       {text}")
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("packages", nargs="*", metavar="PACKAGE",
                        help=f"any of {', '.join(PACKAGES)} (default: all, one after another)")
    parser.add_argument("--max-children", type=int, default=2,
                        help="mutants tested at once (default 2: the cores of the reference run)")
    parser.add_argument("--remap", action="store_true",
                        help="map every test to the functions it calls again (after tests "
                             "changed under the same names), keeping earlier verdicts")
    parser.add_argument("--fresh", action="store_true",
                        help="forget earlier results (else unchanged functions keep theirs)")
    parser.add_argument("--rerun-survivors", action="store_true",
                        help="test again the mutants that survived last time (after new tests)")
    parser.add_argument("--only", metavar="GLOB", action="append",
                        help="with --rerun-survivors: only survivors whose mutant name matches "
                             "(e.g. 'engine.plan.targets.*'; may be repeated)")
    parser.add_argument("--report", action="store_true", help="print the last results only")
    args = parser.parse_args(argv)
    unknown = [p for p in args.packages if p not in PACKAGES]
    if unknown:
        parser.error(f"unknown package {', '.join(unknown)}: choose from {', '.join(PACKAGES)}")
    chosen = [PACKAGES[p] for p in (args.packages or PACKAGES)]
    scores: dict[str, float] = {}
    for package in chosen:
        seconds = None
        if not args.report and args.rerun_survivors and not args.remap \
                and selection_changed(package):
            print(f"{package.path}: its guarding tests changed since its last run (LEFT_OUT or "
                  "its test folders), so mutmut would forget every verdict and --rerun-survivors "
                  "would test only the survivors, leaving the rest not checked. Nothing was "
                  f"run. Measure every mutant again: python -m bench.mutation {package.path}; "
                  "or, when the change only left out tests that reach no mutant, keep the "
                  "verdicts: --remap --rerun-survivors", file=sys.stderr)
            return 2
        if not args.report:
            if selection_changed(package) and not args.remap:
                print(f"{package.path}: its guarding tests changed since its last run: every "
                      "mutant is tested again")
            where = prepare(package, args.fresh, args.remap)
            names = ([v.name for v in verdicts(package) if v.status not in CAUGHT | {UNCHECKED}
                      and any(fnmatch.fnmatchcase(v.name, g) for g in args.only or ["*"])]
                     if args.rerun_survivors else [])
            if args.rerun_survivors and not names:
                print(f"{package.path}: no survivors to test again")
            else:
                started = time.perf_counter()
                code = mutmut(where, "run", "--max-children", str(args.max_children), *names)
                seconds = time.perf_counter() - started
                if code != 0:
                    print(f"{package.path}: mutmut run failed (exit status {code})")
                    return code
        scores[package.path] = report(package, seconds)
    print("\n" + "\n".join(f"{p}: {s:.1f} %" for p, s in scores.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
