"""How far a long sync run is, and how long it has left, on a terminal or in a cron log.

Prospect2 allows 5 requests a second, so a large run takes minutes to hours and its speed is
set by that budget, not by how fast the first batches went: the estimate divides what is left
by the slower of the budgeted rate and the observed rate. On a TTY this is a rich progress bar;
elsewhere (cron, CI) a plain line now and then, so logs stay short and greppable:
``sync members: 1,250/5,000 (25 %), about 12 min left``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.text import Text

#: A plain line at least this often while the run advances, even between 10 % steps.
PLAIN_INTERVAL_SECONDS = 60.0
#: Plain lines at each tenth of the run.
PLAIN_STEPS = 10
#: Observed speed counts only after this long; the first batches are not the whole story.
SETTLING_SECONDS = 5.0


def describe_duration(seconds: float) -> str:
    """``40 s``, ``12 min``, ``2 h 5 min``: as precise as an estimate deserves."""
    if seconds < 59.5:
        return f"{max(1, round(seconds))} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


class RunProgress:
    """Progress of one stage of a sync run (``with RunProgress(...) as progress:``).

    ``rate_per_second`` is the budgeted throughput in the same units as ``total`` (contacts
    a second when counting contacts), or None when no budget applies. ``tty`` None asks the
    stream; ``console`` lets a caller (or a test) supply the rich Console for the bar.
    """

    def __init__(self, description: str, total: int, rate_per_second: float | None, *,
                 stream: TextIO | None = None, tty: bool | None = None,
                 console: Console | None = None,
                 interval_seconds: float = PLAIN_INTERVAL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if total < 0:
            raise ValueError(f"total must be 0 or more, not {total}")
        if rate_per_second is not None and rate_per_second <= 0:
            raise ValueError(f"rate_per_second must be positive, not {rate_per_second}")
        self.description = description
        self.total = total
        self.rate_per_second = rate_per_second
        self.completed = 0
        self._stream = stream if stream is not None else sys.stderr
        self._console = console
        self._tty = tty if tty is not None else _is_terminal(self._stream, console)
        self._interval = interval_seconds
        self._clock = clock
        self._started = clock()
        self._last_line_at = self._started
        self._last_step = 0
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> RunProgress:
        self._started = self._last_line_at = self._clock()
        if self._tty:
            console = self._console or Console(file=self._stream, force_terminal=True)
            self._bar = Progress(
                TextColumn("{task.description}"), BarColumn(),
                TextColumn("{task.completed:,.0f}/{task.total:,.0f}"),
                TextColumn("({task.percentage:>3.0f} %)"), _BudgetEtaColumn(self),
                console=console)
            self._task = self._bar.add_task(self.description, total=self.total)
            self._bar.start()
        else:
            self._write(self.status_line())
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        elapsed = describe_duration(self._clock() - self._started)
        if self._bar is not None:
            self._bar.stop()
            if kind is not None:
                self._bar.console.print(f"{self.description}: stopped after {elapsed}")
            return
        if kind is None:  # done: what it took is the total now (the estimate may be off)
            self._write(f"{self.description}: {self.completed:,}/{self.completed:,} (100 %), "
                        f"done in {elapsed}")
        else:
            self._write(f"{self.description}: stopped at {self._counts()} after {elapsed}")

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more units done; may print a plain line or redraw the bar."""
        self.completed += n
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=min(self.completed, self.total))
            return
        if self.completed >= self.total:
            return  # leaving the ``with`` block says "done in …"
        step = self._step()
        now = self._clock()
        if step > self._last_step or now - self._last_line_at >= self._interval:
            self._last_step = max(step, self._last_step)
            self._last_line_at = now
            self._write(self.status_line())

    def resize(self, total: int) -> None:
        """The run learned how much there is to do (a plan frozen as it goes)."""
        self.total = max(total, 0)
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, total=self.total)

    def note(self, message: str) -> None:
        """Something worth a line of its own (a 429 pause, a rejected batch), above the bar."""
        if self._bar is not None:
            self._bar.console.print(f"{self.description}: {message}")
        else:
            self._write(f"{self.description}: {message}")

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left at the slower of the budget and the observed speed; None if unknown."""
        remaining = max(self.total - self.completed, 0)
        if remaining == 0:
            return 0.0
        speeds = [self.rate_per_second] if self.rate_per_second else []
        elapsed = self._clock() - self._started
        if self.completed > 0 and elapsed >= SETTLING_SECONDS:
            speeds.append(self.completed / elapsed)
        return remaining / min(speeds) if speeds else None

    def eta_text(self) -> str:
        """``about 12 min left``, or empty while there is nothing to estimate from."""
        eta = self.eta_seconds
        if eta is None:
            return ""
        return "done" if eta == 0 else f"about {describe_duration(eta)} left"

    def status_line(self) -> str:
        """The plain line: ``sync members: 1,250/5,000 (25 %), about 12 min left``."""
        eta = self.eta_text()
        return f"{self.description}: {self._counts()}" + (f", {eta}" if eta else "")

    def _counts(self) -> str:
        shown = min(self.completed, self.total)
        return f"{shown:,}/{self.total:,} ({self._percent()} %)"

    def _percent(self) -> int:
        return 100 if self.total == 0 else min(100, self.completed * 100 // self.total)

    def _step(self) -> int:
        return PLAIN_STEPS if self.total == 0 else self.completed * PLAIN_STEPS // self.total

    def _write(self, line: str) -> None:
        self._stream.write(line + "\n")
        self._stream.flush()


class _BudgetEtaColumn(ProgressColumn):
    """rich's own ETA column trusts observed speed alone; this one asks the RunProgress."""

    def __init__(self, run: RunProgress) -> None:
        super().__init__()
        self._run = run

    def render(self, task: Task) -> Text:
        return Text(self._run.eta_text(), style="progress.remaining")


def _is_terminal(stream: TextIO, console: Console | None) -> bool:
    if console is not None:
        return console.is_terminal
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
