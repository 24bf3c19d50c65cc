"""What a long sync run shows: plain lines in a cron log, a rich bar on a terminal (issue 5)."""

from __future__ import annotations

from io import StringIO

import pytest
from rich.console import Console

from engine.sync.progress import RunProgress, describe_duration


class SteppedClock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_plain_lines_come_at_each_tenth_with_the_budget_eta() -> None:
    clock, log = SteppedClock(), StringIO()
    with RunProgress("sync members", 5_000, 5.0, stream=log, tty=False, clock=clock,
                     interval_seconds=3_600) as run:
        for _ in range(100):
            clock.now += 10
            run.advance(50)
    lines = log.getvalue().splitlines()
    assert lines[0] == "sync members: 0/5,000 (0 %), about 17 min left"
    assert "sync members: 1,000/5,000 (20 %), about 13 min left" in lines
    assert lines[-1] == "sync members: 5,000/5,000 (100 %), done in 17 min"
    assert len(lines) == 11  # start, 10 % … 90 %, done: not one line per batch


def test_eta_follows_the_rate_budget_even_when_the_first_batches_were_fast() -> None:
    clock, log = SteppedClock(), StringIO()
    with RunProgress("sync members", 5_000, 5.0, stream=log, tty=False, clock=clock) as run:
        clock.now += 6
        run.advance(1_250)
        assert run.status_line() == "sync members: 1,250/5,000 (25 %), about 12 min left"


def test_eta_follows_observed_speed_when_slower_than_the_budget() -> None:
    clock = SteppedClock()
    with RunProgress("removals", 1_000, 100.0, stream=StringIO(), tty=False,
                     clock=clock) as run:
        clock.now += 100
        run.advance(100)
        assert run.eta_text() == "about 15 min left"


def test_without_a_budget_the_eta_waits_for_observed_speed() -> None:
    clock = SteppedClock()
    with RunProgress("re-sync", 600, None, stream=StringIO(), tty=False, clock=clock) as run:
        assert run.status_line() == "re-sync: 0/600 (0 %)"
        clock.now += 60
        run.advance(300)
        assert run.eta_text() == "about 1 min left"


def test_slow_runs_still_log_a_line_every_interval() -> None:
    clock, log = SteppedClock(), StringIO()
    with RunProgress("sync members", 100_000, 5.0, stream=log, tty=False, clock=clock,
                     interval_seconds=30) as run:
        for _ in range(12):
            clock.now += 10
            run.advance(50)
    lines = log.getvalue().splitlines()
    assert lines[1:5] == ["sync members: 150/100,000 (0 %), about 5 h 33 min left",
                          "sync members: 300/100,000 (0 %), about 5 h 32 min left",
                          "sync members: 450/100,000 (0 %), about 5 h 32 min left",
                          "sync members: 600/100,000 (0 %), about 5 h 31 min left"]


def test_notes_get_their_own_line_and_a_failed_run_says_where_it_stopped() -> None:
    clock, log = SteppedClock(), StringIO()
    with pytest.raises(RuntimeError), \
            RunProgress("sync members", 400, 5.0, stream=log, tty=False, clock=clock) as run:
        run.advance(100)
        run.note("429 from Prospect2: waiting 2 s")
        clock.now += 90
        raise RuntimeError("connection lost")
    assert log.getvalue().splitlines()[-2:] == [
        "sync members: 429 from Prospect2: waiting 2 s",
        "sync members: stopped at 100/400 (25 %) after 2 min"]


def test_a_stream_that_is_not_a_terminal_gets_plain_lines() -> None:
    log = StringIO()
    with RunProgress("sync members", 10, 5.0, stream=log) as run:
        run.advance(10)
    assert log.getvalue().endswith("sync members: 10/10 (100 %), done in 1 s\n")


def test_terminal_shows_a_bar_with_counts_and_the_budget_eta() -> None:
    clock = SteppedClock()
    console = Console(record=True, file=StringIO(), force_terminal=True, width=110)
    with RunProgress("sync members", 5_000, 5.0, console=console, clock=clock) as run:
        clock.now += 6
        run.advance(1_250)
        run.note("batch 5 rejected 2 contacts")
    screen = console.export_text()
    assert "sync members: batch 5 rejected 2 contacts" in screen
    assert "1,250/5,000 ( 25 %) about 12 min left" in screen
    assert "━" in screen


def test_nothing_to_do_is_complete_at_once() -> None:
    log = StringIO()
    with RunProgress("removals", 0, 5.0, stream=log, tty=False):
        pass
    assert log.getvalue().splitlines() == ["removals: 0/0 (100 %), done",
                                           "removals: 0/0 (100 %), done in 1 s"]


@pytest.mark.parametrize(("seconds", "text"), [
    (0.2, "1 s"), (40, "40 s"), (59.4, "59 s"), (59.5, "1 min"), (61, "1 min"),
    (750, "12 min"), (3_600, "1 h"), (7_500, "2 h 5 min")])
def test_durations_read_as_estimates(seconds: float, text: str) -> None:
    assert describe_duration(seconds) == text


def test_a_run_that_learns_its_size_as_it_goes_shows_the_new_total() -> None:
    clock = SteppedClock()
    console = Console(record=True, file=StringIO(), force_terminal=True, width=110)
    with RunProgress("sync members", 5_000, 5.0, console=console, clock=clock) as run:
        run.resize(10_000)
        clock.now += 6
        run.advance(1_250)
    assert "1,250/10,000 ( 12 %) about 29 min left" in console.export_text()


def test_a_run_that_learns_there_is_nothing_to_do_is_done() -> None:
    log = StringIO()
    with RunProgress("removals", 40, 5.0, stream=log, tty=False) as run:
        run.resize(0)
        assert run.status_line() == "removals: 0/0 (100 %), done"


def test_the_bars_estimate_is_in_richs_colour_for_time_remaining(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _a_colour_terminal(monkeypatch)
    clock, screen = SteppedClock(), StringIO()
    console = Console(file=screen, force_terminal=True, color_system="standard", width=110)
    with RunProgress("sync members", 5_000, 5.0, console=console, clock=clock) as run:
        clock.now += 6
        run.advance(1_250)
    assert "\x1b[36mabout 12 min left\x1b[0m" in screen.getvalue()  # cyan, as rich's own ETA


def test_percentages_round_down_and_never_pass_100() -> None:
    """Two thirds is 66 %, not 67; a run that learns it has less to do than it already did
    (its plan shrank) stops at 100 %."""
    log = StringIO()
    with pytest.raises(RuntimeError), \
            RunProgress("sync members", 3, None, stream=log, tty=False) as run:
        run.advance(2)
        assert run.status_line() == "sync members: 2/3 (66 %)"
        run.resize(1)
        raise RuntimeError("connection lost")
    assert log.getvalue().splitlines()[-1].startswith("sync members: stopped at 1/1 (100 %)")


class TerminalStream(StringIO):
    """What a terminal looks like to a program: a stream whose isatty() is True."""

    def isatty(self) -> bool:
        return True


class BareStream:
    """A stream that only writes (no isatty at all): a caller's own log writer."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


def _a_colour_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """rich draws nothing in place on a dumb terminal and no colour under NO_COLOR."""
    monkeypatch.setenv("TERM", "xterm-256color")
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("tty", [None, True])
def test_a_terminal_gets_the_bar_drawn_in_place_on_the_same_stream(
        tty: bool | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal (or told it is one), the bar goes to the run's stream, redrawn in
    place (the cursor hidden meanwhile), named by the run's description."""
    _a_colour_terminal(monkeypatch)
    screen = TerminalStream() if tty is None else StringIO()
    with RunProgress("sync members", 10, 5.0, stream=screen, tty=tty) as run:
        run.advance(5)
    drawn = screen.getvalue()
    assert drawn.startswith("\x1b[?25l") and "\r\x1b[2K" in drawn
    assert "sync members \x1b[" in drawn and "━" in drawn
    assert "sync members:" not in drawn  # no plain lines


def test_a_stream_with_no_isatty_gets_plain_lines() -> None:
    log = BareStream()
    with RunProgress("sync members", 10, 5.0, stream=log) as run:  # type: ignore[arg-type]
        run.advance(10)
    assert log.text.endswith("sync members: 10/10 (100 %), done in 1 s\n")


def test_the_bar_starts_with_the_runs_name_and_says_when_it_stopped() -> None:
    clock = SteppedClock()
    console = Console(record=True, file=StringIO(), force_terminal=True, width=110)
    with pytest.raises(RuntimeError), \
            RunProgress("sync members", 5_000, 5.0, console=console, clock=clock) as run:
        clock.now += 6
        run.advance(1_250)
        raise RuntimeError("connection lost")
    lines = console.export_text().splitlines()
    assert lines[0].startswith("sync members ━")
    assert lines[-1] == "sync members: stopped after 6 s"
    finished = Console(record=True, file=StringIO(), force_terminal=True, width=110)
    with RunProgress("sync members", 10, 5.0, console=finished) as run:
        run.advance(10)
    assert "stopped" not in finished.export_text()


def test_a_run_counts_one_unit_unless_told_more() -> None:
    with RunProgress("removals", 4, None, stream=StringIO(), tty=False) as run:
        run.advance()
        assert run.status_line() == "removals: 1/4 (25 %)"


def test_a_run_can_be_shown_and_counted_before_its_with_block() -> None:
    """The first estimate is there before the run starts; counting early prints nothing."""
    log = StringIO()
    run = RunProgress("sync members", 5_000, 5.0, stream=log, tty=False)
    assert run.status_line() == "sync members: 0/5,000 (0 %), about 17 min left"
    run.advance(1)
    assert log.getvalue() == ""


@pytest.mark.parametrize(("total", "rate", "refusal"), [
    (-1, 5.0, "total must be 0 or more, not -1"),
    (10, 0.0, "rate_per_second must be positive, not 0.0"),
    (10, -2.0, "rate_per_second must be positive, not -2.0")])
def test_impossible_sizes_and_budgets_are_refused(total: int, rate: float, refusal: str) -> None:
    with pytest.raises(ValueError) as refused:
        RunProgress("sync members", total, rate)
    assert str(refused.value) == refusal


def test_a_budget_under_one_a_second_is_a_budget() -> None:
    clock = SteppedClock()
    with RunProgress("re-sync", 30, 0.5, stream=StringIO(), tty=False, clock=clock) as run:
        assert run.eta_text() == "about 1 min left"
