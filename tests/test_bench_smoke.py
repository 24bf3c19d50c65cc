"""The benchmarks still run: each script in its tiny ``--quick`` mode prints its figure lines.

No timings are asserted (figures are printed, never tested: issue 5); this only keeps the
scripts from rotting as the engine, state and ports they measure change.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.measure import parse_figure

REPO = Path(__file__).resolve().parent.parent
EXPECTED = {
    "bench.delta": {"delta.diff_ms"},
    "bench.delta_stage": {"delta_stage.seconds", "delta_stage.extra_rss_mb"},
    "bench.api_calls": {"api.prospect2_calls_per_10k_adds", "api.prospect2_calls_per_removal",
                        "api.tessitura_calls_per_1000_changed"},
    "bench.rate_budget": {"rate.budget_share_pct", "rate.unhandled_429"},
    "bench.sync_memory": {"memory.first_run_extra_mb_10k", "memory.first_run_extra_mb_150k"},
    "bench.rate_floor": {"rate.first_run_floor_ratio_150k"},
    "bench.contact_data_calls": {"api.tessitura_calls_for_changed_values",
                                 "values.results_calls_150k",
                                 "values.prospect2_calls_unchanged"},
}


@pytest.fixture(scope="module")
def quick_run() -> str:
    """``run_all --quick`` once: it runs every benchmark script in its own process."""
    finished = subprocess.run([sys.executable, "-m", "bench.run_all", "--quick"], cwd=REPO,
                              capture_output=True, text=True, timeout=240, check=False)
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    return finished.stdout


@pytest.mark.parametrize("module", sorted(EXPECTED))
def test_benchmark_prints_its_figures_with_a_naive_peer(quick_run: str, module: str) -> None:
    figures = {f["key"]: f for f in map(parse_figure, quick_run.splitlines()) if f}
    for key in EXPECTED[module]:
        assert key in figures, quick_run
        assert figures[key]["naive"] != "-" and figures[key]["ratio"] != "-", figures[key]


def test_sync_runs_the_benchmarks_measure_succeed(quick_run: str) -> None:
    """A failed run would print figures for nothing: the measured runs must finish."""
    assert "removals: " in quick_run and "run succeeded" in quick_run
    assert "paced run: " in quick_run and "status succeeded" in quick_run
    assert "FIGURE rate.unhandled_429: 0 " in quick_run
    assert "first run of list 102" in quick_run and "first run of 302 members" in quick_run
    assert "resync: values, nothing changed:" in quick_run


def test_run_all_prints_one_table_of_every_figure(quick_run: str) -> None:
    table_rows = [line for line in quick_run.splitlines() if line.startswith("| ")]
    keys = {row.split("|")[1].strip() for row in table_rows[1:]}
    assert keys == set().union(*EXPECTED.values())


def test_the_mutation_driver_names_packages_and_test_folders_that_exist() -> None:
    """``bench/mutation.py`` is not run here (most of an hour); its map must not rot."""
    import tomllib

    from bench.mutation import LEFT_OUT, PACKAGES, SOURCE_PATHS, mutmut_section

    assert {"engine/plan", "engine/apply", "engine/sync"} <= set(PACKAGES)
    for package in PACKAGES.values():
        assert list((REPO / package.path).glob("*.py")), package.path
        assert package.path.split("/")[0] in SOURCE_PATHS
        for folder in package.tests:
            assert list((REPO / folder).glob("test_*.py")), folder
        section = tomllib.loads(mutmut_section(package))["tool"]["mutmut"]
        assert section["only_mutate"] == [f"{package.path}/*"]
        assert section["pytest_add_cli_args_test_selection"][:len(package.tests)] \
            == list(package.tests)
    for left_out in LEFT_OUT:
        assert (REPO / left_out).is_file(), left_out


def test_a_later_mutation_run_tests_against_the_current_data_files(tmp_path: Path) -> None:
    """mutmut copies JSON Schemas and other data into ``mutants/`` once; a later run of the
    same package must see them as they are now (a stale schema failed its clean test run)."""
    from bench.mutation import refresh_data_files

    schema = next((REPO / "engine").rglob("*.schema.json"))
    stale = tmp_path / schema.relative_to(REPO)
    stale.parent.mkdir(parents=True)
    stale.write_text('{"old": true}')
    module = tmp_path / "engine" / "clock.py"  # mutmut itself rewrites Python files
    module.write_text("# a mutant copy\n")
    refresh_data_files(tmp_path)
    assert stale.read_bytes() == schema.read_bytes()
    assert module.read_text() == "# a mutant copy\n"


def test_remap_forgets_the_test_map_and_keeps_the_verdicts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """mutmut maps a test to the functions it calls once per test name; ``--remap`` makes it
    map them again (a test rewritten under its old name) without losing a verdict."""
    import bench.mutation as mutation

    monkeypatch.setattr(mutation, "WORK", tmp_path)
    package = mutation.PACKAGES["engine/sync"]
    mutants = tmp_path / mutation.slug(package.path) / "mutants"
    (mutants / "engine" / "sync").mkdir(parents=True)
    verdicts = mutants / "engine" / "sync" / "schedule.py.meta"
    verdicts.write_text('{"exit_code_by_key": {}}')
    (mutants / "mutmut-stats.json").write_text("{}")
    mutation.prepare(package, fresh=False)
    assert (mutants / "mutmut-stats.json").exists()
    mutation.prepare(package, fresh=False, remap=True)
    assert not (mutants / "mutmut-stats.json").exists()
    assert verdicts.read_text() == '{"exit_code_by_key": {}}'


def _last_run_with(mutants: Path, selection_hash: str) -> None:
    mutants.mkdir(parents=True, exist_ok=True)
    (mutants / "mutmut-stats.json").write_text(
        json.dumps({"config_fingerprint": {"test_selection": selection_hash}}))


def test_rerunning_survivors_after_the_guarding_tests_changed_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A changed ``LEFT_OUT`` makes mutmut forget every verdict; ``--rerun-survivors`` would
    then leave all but the survivors not checked. It is refused before mutmut runs."""
    import bench.mutation as mutation

    monkeypatch.setattr(mutation, "WORK", tmp_path)
    package = mutation.PACKAGES["engine/apply"]
    mutants = tmp_path / mutation.slug(package.path) / "mutants"
    _last_run_with(mutants, hashlib.sha256(repr(tuple(
        mutation.test_selection(package))).encode()).hexdigest()[:12])
    assert not mutation.selection_changed(package)
    monkeypatch.setitem(mutation.LEFT_OUT, "tests/workflows/test_readme_tour.py.new", "new")
    assert mutation.selection_changed(package)
    ran: list[tuple[str, ...]] = []
    monkeypatch.setattr(mutation, "mutmut", lambda where, *args: ran.append(args) or 0)
    assert mutation.main(["engine/apply", "--rerun-survivors"]) == 2
    assert ran == []
    assert "guarding tests changed" in capsys.readouterr().err
    assert (mutants / "mutmut-stats.json").exists()


def test_the_selection_is_compared_as_mutmut_compares_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("mutmut")
    from mutmut.configuration import config

    import bench.mutation as mutation

    monkeypatch.setattr(mutation, "WORK", tmp_path)
    package = mutation.PACKAGES["engine/plan"]
    where = mutation.prepare(package, fresh=False)
    with mutation.inside(where):
        _last_run_with(where / "mutants", config().config_fingerprint()["test_selection"])
    assert not mutation.selection_changed(package)
